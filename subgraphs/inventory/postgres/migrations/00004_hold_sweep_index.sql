-- +goose Up
-- The sweeper found expired holds through an index on expires_at limited to active holds. Every
-- query that sums a SKU's active holds matched that index too, and the planner, which sees it
-- nearly empty as of the last vacuum, scanned it whole: with the holds confirmed since then
-- still in it as dead entries, a reservation read every hold of the last minutes. The sweeper's
-- index is now on a column of its own, which only the sweeper queries, so per-SKU sums keep to
-- hold_active_by_stock.
ALTER TABLE inventory.hold
    ADD COLUMN active_until timestamptz GENERATED ALWAYS AS (CASE WHEN status = 'ACTIVE' THEN expires_at END) STORED;
CREATE INDEX hold_active_until ON inventory.hold (active_until) WHERE active_until IS NOT NULL;
DROP INDEX inventory.hold_active_by_expiry;

-- +goose Down
CREATE INDEX hold_active_by_expiry ON inventory.hold (expires_at) WHERE status = 'ACTIVE';
DROP INDEX inventory.hold_active_until;
ALTER TABLE inventory.hold DROP COLUMN active_until;
