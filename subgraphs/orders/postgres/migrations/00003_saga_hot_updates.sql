-- +goose Up
-- A saga is written after every step, and each write renews its lease (locked_until). With
-- locked_until indexed, no write could be a heap-only (HOT) update: each put a new entry in
-- every index of the table. The recovery sweep's index now keys the unfinished sagas by their
-- creation (which never changes), so a step's write changes no indexed column until the saga
-- ends; the sweep reads the few unfinished sagas and orders them by lease itself. Pages keep
-- room for the new versions.
CREATE INDEX saga_unfinished_by_created ON orders.saga (created_at) WHERE status IN ('RUNNING', 'COMPENSATING');
DROP INDEX orders.saga_unfinished;
ALTER TABLE orders.saga SET (fillfactor = 70);

-- +goose Down
ALTER TABLE orders.saga RESET (fillfactor);
CREATE INDEX saga_unfinished ON orders.saga (locked_until) WHERE status IN ('RUNNING', 'COMPENSATING');
DROP INDEX orders.saga_unfinished_by_created;
