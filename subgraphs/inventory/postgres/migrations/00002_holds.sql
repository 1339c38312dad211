-- +goose Up

-- SKUs on sale in a flash sale: their holds are taken in Redis (the flash-sale path) and written
-- here asynchronously. The Postgres path checks this table under the stock row locks, so a SKU
-- is reserved on exactly one path at a time.
CREATE TABLE inventory.hot_sku (
    sku        text PRIMARY KEY CHECK (sku <> '' AND length(sku) <= 64),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One hold per order and SKU: reserving is idempotent by order, and the flash-sale flusher
-- upserts holds by id. The unique index also serves every lookup by order.
CREATE UNIQUE INDEX hold_by_order_sku ON inventory.hold (order_id, sku);
DROP INDEX inventory.hold_by_order;

-- +goose Down
CREATE INDEX hold_by_order ON inventory.hold (order_id);
DROP INDEX inventory.hold_by_order_sku;
DROP TABLE inventory.hot_sku;
