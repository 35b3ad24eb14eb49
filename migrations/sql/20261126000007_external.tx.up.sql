-- External interfaces (SPEC §1, §6; H5.4 step 1): the operator's registry of
-- enterprises' queryCustomer endpoints, the tenants granted each one, and
-- the private address ranges the connector may dial.
CREATE TABLE external_interfaces (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 512),
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    -- Extra request headers (tokens): a JSON object sealed with an AEAD key
    -- derived from the master key, the interface id as associated data. NULL
    -- when there are none. Only the names are kept in clear, for lists.
    headers_sealed  bytea,
    header_names    text[] NOT NULL DEFAULT '{}',
    timeout_ms      integer NOT NULL DEFAULT 3000 CHECK (timeout_ms BETWEEN 100 AND 10000),
    -- Repeats of a query whose connection could not be made (never of one
    -- that reached the endpoint).
    retries         smallint NOT NULL DEFAULT 0 CHECK (retries BETWEEN 0 AND 2),
    -- https only, unless the operator allows plain http for this interface.
    allow_http      boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE external_interface_grants (
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    interface_id  bigint NOT NULL REFERENCES external_interfaces (id) ON DELETE CASCADE,
    granted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, interface_id)
);
CREATE INDEX external_interface_grants_interface_idx ON external_interface_grants (interface_id);

-- Private or reserved ranges the connector's dial guard lets through (an
-- on-premises CRM at 10.20.0.0/16). Loopback, unspecified and link-local
-- addresses stay refused whatever this holds.
CREATE TABLE external_allow_prefixes (
    prefix       text PRIMARY KEY,
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 256),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- An API key may be bound to one page of its tenant: it then serves that
-- page's data as POST /rest/v1/queryCustomer and nothing else. Deleting the
-- page deletes the key (it must never fall back to an unbound, wider key).
ALTER TABLE api_keys ADD COLUMN page_id bigint;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_page_fk
    FOREIGN KEY (tenant_id, page_id) REFERENCES pages (tenant_id, id) ON DELETE CASCADE;
