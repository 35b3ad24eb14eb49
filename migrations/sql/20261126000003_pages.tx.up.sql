-- Custom pages (SPEC §5): a draft definition that admins edit, and frozen
-- published versions that pops show. Editing the draft never changes what
-- agents see until it is published.
CREATE TABLE pages (
    id                 bigserial PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
    draft              jsonb NOT NULL,
    -- Incremented on every draft save, for optimistic concurrency.
    draft_revision     bigint NOT NULL DEFAULT 1,
    -- The version agents see; NULL until first published.
    published_version  integer,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE page_versions (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL,
    page_id       bigint NOT NULL,
    version       integer NOT NULL,
    definition    jsonb NOT NULL,
    published_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    note          text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, page_id) REFERENCES pages (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (page_id, version)
);
