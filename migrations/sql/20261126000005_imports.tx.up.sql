-- Import jobs (SPEC §4; ARCHITECTURE.md, "One import"). The job row is the source of truth; a
-- river job (river_job, created by river's own migrations, which run right
-- after these) only triggers the work, so any instance may run it.

CREATE TABLE import_jobs (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL,
    table_id      bigint NOT NULL,
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    -- ui, api or cli: where the file came from.
    source        text NOT NULL DEFAULT 'ui',
    file_name     text NOT NULL,
    format        text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    file_size     bigint NOT NULL,
    -- The uploaded file, sealed with the tenant's keyring (associated data
    -- binds tenant and job): it holds the plaintext of encrypted fields, so
    -- it is never stored in clear, and it is set to NULL when the job ends.
    file          bytea,
    -- skip: store the good rows and report the bad ones; all: store
    -- nothing unless every row is good.
    mode          text NOT NULL DEFAULT 'skip' CHECK (mode IN ('skip', 'all')),
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    encoding      text NOT NULL DEFAULT '',
    -- Data rows in the file (known once the worker has read it through) and
    -- data rows committed so far: the progress, and where a resumed job
    -- starts. Updated in the same transaction as the rows they count.
    total_rows    integer NOT NULL DEFAULT 0,
    rows_done     integer NOT NULL DEFAULT 0,
    inserted      integer NOT NULL DEFAULT 0,
    updated       integer NOT NULL DEFAULT 0,
    unchanged     integer NOT NULL DEFAULT 0,
    rejected      integer NOT NULL DEFAULT 0,
    duplicates    integer NOT NULL DEFAULT 0,
    -- Lines in import_errors (capped; the counters above stay exact).
    error_count   integer NOT NULL DEFAULT 0,
    -- Why a failed job failed: a message key and its arguments (never cell data).
    error_key     text NOT NULL DEFAULT '',
    error_args    jsonb NOT NULL DEFAULT '[]',
    attempts      integer NOT NULL DEFAULT 0,
    river_job_id  bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, table_id) REFERENCES base_tables (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX import_jobs_table_idx ON import_jobs (tenant_id, table_id, id DESC);
CREATE INDEX import_jobs_active_idx ON import_jobs (id) WHERE status IN ('queued', 'running');

-- One line of the error report: line, column and a message key with its
-- arguments. Never a cell value: cells may belong to encrypted fields.
CREATE TABLE import_errors (
    job_id       bigint NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    seq          integer NOT NULL,
    line         integer NOT NULL,
    column_name  text NOT NULL DEFAULT '',
    key          text NOT NULL,
    args         jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (job_id, seq)
);
