-- +goose Up
-- A checkout's completion stores its outcome on the idempotency key (response). The purge's
-- index was partial on that column, so no completion could be a heap-only (HOT) update: each
-- put a new entry in all three indexes of the table. The purge's index now covers every key by
-- expiry (the purge still skips keys without an outcome, which are rare past their expiry), so
-- the completion changes no indexed column; pages keep room for the grown row.
CREATE INDEX idempotency_key_by_expiry ON orders.idempotency_key (expires_at);
DROP INDEX orders.idempotency_key_expired;
ALTER TABLE orders.idempotency_key SET (fillfactor = 90);

-- +goose Down
ALTER TABLE orders.idempotency_key RESET (fillfactor);
CREATE INDEX idempotency_key_expired ON orders.idempotency_key (expires_at) WHERE response IS NOT NULL;
DROP INDEX orders.idempotency_key_by_expiry;
