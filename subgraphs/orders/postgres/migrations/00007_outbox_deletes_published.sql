-- +goose Up
-- The relay deletes the rows it publishes, in the transaction that publishes them, instead of
-- marking them sent: the bus keeps the events, and the outbox no longer grows with every
-- change. Rows published before this are deleted here.
DELETE FROM orders.outbox WHERE sent_at IS NOT NULL;
DROP INDEX orders.outbox_unsent;
ALTER TABLE orders.outbox DROP COLUMN sent_at;

-- +goose Down
ALTER TABLE orders.outbox ADD COLUMN sent_at timestamptz;
CREATE INDEX outbox_unsent ON orders.outbox (id) WHERE sent_at IS NULL;
