-- Pop configuration (SPEC §7) and the platform side of the pop runtime (§8).

CREATE TABLE pop_configs (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    media_type    text NOT NULL CHECK (media_type IN ('audio', 'multimedia')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    page_type     text NOT NULL CHECK (page_type IN ('external', 'internal')),
    url           text NOT NULL DEFAULT '',
    page_id       bigint,
    open_mode     text NOT NULL CHECK (open_mode IN ('embed', 'standalone', 'hidden')),
    method        text NOT NULL CHECK (method IN ('get', 'post', 'webapi')),
    enabled       boolean NOT NULL DEFAULT true,
    position      integer NOT NULL,
    homepage      boolean NOT NULL DEFAULT false,
    always_shown  boolean NOT NULL DEFAULT false,
    trigger       text NOT NULL DEFAULT 'ringing' CHECK (trigger IN ('ringing', 'answered', 'released')),
    -- [] = the nine default call-data parameters; otherwise only these:
    -- [{"name": "phone", "source": "call"|"assoc", "key": "callerNum"}]
    params        jsonb NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, page_id) REFERENCES pages (tenant_id, id) ON DELETE RESTRICT,
    CHECK (NOT homepage OR enabled),
    UNIQUE (tenant_id, media_type, name)
);
CREATE INDEX pop_configs_tenant_idx ON pop_configs (tenant_id, media_type, position);
CREATE UNIQUE INDEX pop_configs_one_homepage ON pop_configs (tenant_id, media_type) WHERE homepage;

-- How each tenant's platforms reach its pops.
CREATE TABLE pop_settings (
    tenant_id      bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Origins allowed to frame pops (Content-Security-Policy frame-ancestors)
    -- and to receive dial-out messages.
    frame_origins  text[] NOT NULL DEFAULT '{}',
    -- Client addresses (CIDR) whose requests are trusted without a session.
    source_cidrs   text[] NOT NULL DEFAULT '{}',
    sobot_sys_num  text NOT NULL DEFAULT '',
    -- Sealed with the tenant's keyset; never stored in clear.
    sobot_secret   bytea,
    sobot_page     text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Signatures of signed links already used, so a link cannot be replayed.
CREATE TABLE pop_nonces (
    sig         text PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX pop_nonces_expires_idx ON pop_nonces (expires_at);
