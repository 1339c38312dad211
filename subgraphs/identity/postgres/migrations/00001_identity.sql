-- +goose Up

-- Customers of the store. Emails are stored lowercased (the domain normalises them), so the
-- unique constraint is case-insensitive without a functional index.
CREATE TABLE identity.customer (
    id            text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name          text NOT NULL CHECK (length(name) <= 200),
    password_hash bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE identity.customer;
