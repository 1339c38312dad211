-- +goose Up
-- Retention (cart.Retention): client mutation ids are forgotten once the window in which a
-- retry returns the same cart has passed, and guest carts nobody changed for a long time are
-- deleted with their lines and mutation ids. Mutation ids are written in time order and never
-- changed: a BRIN index finds the old ones for almost no upkeep. Guest carts are found by
-- creation, which never changes, so their updates stay heap-only; the purge then skips those
-- changed since.
CREATE INDEX mutation_by_created ON cart.mutation USING brin (created_at);
CREATE INDEX cart_guest_by_created ON cart.cart (created_at) WHERE customer_id IS NULL;

-- +goose Down
DROP INDEX cart.cart_guest_by_created;
DROP INDEX cart.mutation_by_created;
