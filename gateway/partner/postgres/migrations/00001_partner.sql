-- +goose Up

-- API keys of the partner endpoint. Only the SHA-256 of a key's secret is kept; the secret is
-- shown once, when the key is created.
CREATE TABLE partner.api_key (
    id               text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash      bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    quota_limit      integer NOT NULL DEFAULT 0 CHECK (quota_limit >= 0),
    quota_period_ms  bigint NOT NULL DEFAULT 0 CHECK (quota_period_ms >= 0),
    max_cost         integer NOT NULL DEFAULT 0 CHECK (max_cost >= 0),
    scopes           text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz
);

-- +goose Down
DROP TABLE partner.api_key;
