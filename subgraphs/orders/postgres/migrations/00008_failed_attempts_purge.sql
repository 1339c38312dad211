-- +goose Up
-- The purge of checkouts that failed before creating an order walks them by creation; only
-- the write that ends a saga FAILED adds an entry (that write changes status, which other
-- indexes' predicates read, so it was never heap-only).
CREATE INDEX saga_failed_by_created ON orders.saga (created_at) WHERE status = 'FAILED';

-- +goose Down
DROP INDEX orders.saga_failed_by_created;
