-- +goose Up
-- Events of the catalog domain (ProductChanged), written in the transaction of the change and
-- relayed to the bus (subgraphs/outbox).
CREATE TABLE catalog.outbox (
    id         text PRIMARY KEY,
    type       text NOT NULL,
    key        text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON catalog.outbox (id) WHERE sent_at IS NULL;

-- Who wrote a review; seeded reviews have no account.
ALTER TABLE catalog.review ADD COLUMN customer_id text;

-- +goose Down
ALTER TABLE catalog.review DROP COLUMN customer_id;
DROP TABLE catalog.outbox;
