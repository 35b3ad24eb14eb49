-- CTI unified login (seed 003 §二/§三): the CTI client appends user (工号)
-- and sid to the homepage after the agent signs in to the CTI, and the
-- same sid to every pop URL. An agent signed in to screenpop who opens the
-- homepage binds that sid to themself; later pops carrying it are theirs.
-- Only a hash of the sid is kept.
CREATE TABLE cti_sessions (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sid_hash    bytea       NOT NULL,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    work_no     text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sid_hash)
);
CREATE INDEX cti_sessions_expires_idx ON cti_sessions (expires_at);
