-- +goose Up
-- The relay deletes the rows it publishes, in the transaction that publishes them, instead of
-- marking them sent: the bus keeps the events, and the outbox no longer grows with every
-- change. Rows published before this are deleted here.
DELETE FROM inventory.outbox WHERE sent_at IS NOT NULL;
DROP INDEX inventory.outbox_unsent;
ALTER TABLE inventory.outbox DROP COLUMN sent_at;

-- +goose Down
ALTER TABLE inventory.outbox ADD COLUMN sent_at timestamptz;
CREATE INDEX outbox_unsent ON inventory.outbox (id) WHERE sent_at IS NULL;
