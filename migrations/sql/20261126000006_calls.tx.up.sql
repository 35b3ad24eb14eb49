-- Call events and the agent workspace (SPEC §8).

-- An agent's work number (工号): the telephony side names agents by it.
ALTER TABLE users ADD COLUMN work_no text;
CREATE UNIQUE INDEX users_tenant_work_no ON users (tenant_id, work_no) WHERE work_no IS NOT NULL;

CREATE TABLE call_events (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    work_no     text NOT NULL,
    event       text NOT NULL CHECK (event IN ('Ringing', 'Talking', 'Release', 'Switch', 'Outbound')),
    call_id     text NOT NULL DEFAULT '',
    media_type  text NOT NULL DEFAULT '',
    -- The nine call-data parameters.
    call_data   jsonb NOT NULL DEFAULT '{}',
    -- Associated data (随路数据).
    assoc_data  jsonb NOT NULL DEFAULT '{}',
    source      text NOT NULL DEFAULT 'api',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_events_agent_idx ON call_events (tenant_id, work_no, id DESC);
CREATE INDEX call_events_call_idx ON call_events (tenant_id, call_id);

-- Identity-verification results (H4.4.5), read by getVerifyResult.
CREATE TABLE verify_results (
    tenant_id         bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    call_id           text NOT NULL,
    verify_type_code  text NOT NULL,
    verify_result     smallint NOT NULL CHECK (verify_result BETWEEN 0 AND 3),
    verify_return1    text NOT NULL DEFAULT '',
    verify_return2    text NOT NULL DEFAULT '',
    verify_return3    text NOT NULL DEFAULT '',
    at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, call_id, verify_type_code)
);

-- Where a tenant's outbound requests (clickToOutbound, call buttons) go.
ALTER TABLE pop_settings ADD COLUMN outbound_webhook text NOT NULL DEFAULT '';
