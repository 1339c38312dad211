-- +goose Up
-- Events of the inventory domain (StockChanged), written in the transaction of the change and
-- relayed to the bus (subgraphs/outbox).
CREATE TABLE inventory.outbox (
    id         text PRIMARY KEY,
    type       text NOT NULL,
    key        text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON inventory.outbox (id) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE inventory.outbox;
