-- +goose Up
-- A domain table and its outbox, the shape every domain's outbox has.
CREATE TABLE shop.widget (id text PRIMARY KEY);
CREATE TABLE shop.outbox (
    id         text PRIMARY KEY,
    type       text NOT NULL,
    key        text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE shop.outbox;
DROP TABLE shop.widget;
