-- +goose Up
-- Released holds (a checkout that did not go through, or a hold that expired) are deleted once
-- past their retention (inventory.HoldRetention), found by when they were released. Releasing
-- changes the status, which partial indexes' predicates read: that write was never heap-only.
CREATE INDEX hold_released_by_update ON inventory.hold (updated_at) WHERE status = 'RELEASED';

-- +goose Down
DROP INDEX inventory.hold_released_by_update;
