-- CTI unified login, the login.cgi way (seed 003 §二): after an agent signs
-- in to screenpop from the CTI client, screenpop redirects to the client's
-- local login.cgi with the agent's CTI work number and password so that the
-- client seats the agent. The tenant turns it on and may move the address
-- (default http://localhost:180/cgi-bin/login.cgi); an admin may store an
-- agent's CTI password, sealed with the tenant's key (or the agent types it
-- at sign-in).
ALTER TABLE pop_settings ADD COLUMN cti_unified_login boolean NOT NULL DEFAULT false;
ALTER TABLE pop_settings ADD COLUMN cti_login_url text NOT NULL DEFAULT '';
CREATE TABLE cti_credentials (
    tenant_id       bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_sealed bytea       NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
