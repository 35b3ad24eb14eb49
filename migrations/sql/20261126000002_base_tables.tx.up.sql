-- Base tables (SPEC §3): definitions, fields and records, plus each tenant's
-- data keys. Adding a field is a metadata change: records keep plain values
-- in jsonb keyed by field id and encrypted values in one sealed blob.

CREATE TABLE tenant_keys (
    tenant_id   bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Tink AEAD keyset, encrypted by the master key with the tenant id as
    -- associated data.
    keyset      bytea NOT NULL,
    -- The blind-index / digest key, sealed the same way. It never rotates:
    -- rotating it would need every index key recomputed.
    index_key   bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE base_tables (
    id           bigserial PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    description  text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    -- Bumped by every definition change, so caches and concurrent editors
    -- notice.
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE base_fields (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL,
    table_id    bigint NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    position    integer NOT NULL,
    is_index    boolean NOT NULL DEFAULT false,
    encrypted   boolean NOT NULL DEFAULT false,
    mandatory   boolean NOT NULL DEFAULT false,
    type        smallint NOT NULL CHECK (type BETWEEN 1 AND 5),
    length      integer NOT NULL DEFAULT 0,
    masked      boolean NOT NULL DEFAULT false,
    mask_style  smallint NOT NULL DEFAULT 0 CHECK (mask_style BETWEEN 0 AND 2),
    dict_items  jsonb NOT NULL DEFAULT '[]',
    rule        text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, table_id) REFERENCES base_tables (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (table_id, name)
);
CREATE UNIQUE INDEX base_fields_one_index ON base_fields (table_id) WHERE is_index;
CREATE INDEX base_fields_table_idx ON base_fields (table_id, position);

CREATE TABLE base_records (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL,
    table_id    bigint NOT NULL,
    -- HMAC of the normalised index value when the index field is encrypted,
    -- the normalised value itself otherwise. Full length: it is the upsert key.
    index_key   bytea NOT NULL,
    -- Plain (unencrypted) field values: {"<field id>": "text"}.
    plain       jsonb NOT NULL DEFAULT '{}',
    -- Encrypted field values as one Tink AEAD ciphertext of the same JSON
    -- shape; associated data binds tenant, table and index key.
    sealed      bytea,
    -- Keyed hash of the whole row, so an upsert of identical data is a no-op
    -- even though every encryption of it differs.
    digest      bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, table_id) REFERENCES base_tables (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, table_id, index_key)
);
CREATE INDEX base_records_page_idx ON base_records (tenant_id, table_id, id);
