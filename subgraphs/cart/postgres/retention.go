package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs"
)

// ForgetMutations deletes the client mutation ids recorded before, batch rows per statement,
// and returns how many. Rows a change is reading right now are skipped (SKIP LOCKED) and
// deleted by the next run.
func (s *Store) ForgetMutations(ctx context.Context, before time.Time, batch int) (int, error) {
	return s.deleteInBatches(ctx, "forget client mutation ids", `
		DELETE FROM cart.mutation WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM cart.mutation
			WHERE created_at < $1
			LIMIT $2
			FOR UPDATE SKIP LOCKED))`, before, batch)
}

// DeleteIdleGuestCarts deletes the guest carts created and last changed before idleSince, with
// their lines and mutation ids, batch carts per statement, and returns how many. A cart being
// changed right now is skipped.
func (s *Store) DeleteIdleGuestCarts(ctx context.Context, idleSince time.Time, batch int) (int, error) {
	return s.deleteInBatches(ctx, "delete idle guest carts", `
		DELETE FROM cart.cart WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM cart.cart
			WHERE customer_id IS NULL AND created_at < $1 AND updated_at < $1
			ORDER BY created_at
			LIMIT $2
			FOR UPDATE SKIP LOCKED))`, idleSince, batch)
}

// deleteInBatches runs a batched DELETE of rows older than before until one comes back short.
func (s *Store) deleteInBatches(ctx context.Context, what, sql string, before time.Time, batch int) (int, error) {
	return subgraphs.InBatches(what, batch, func(limit int) (int, error) {
		tag, err := s.pool.Exec(ctx, sql, before, limit)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		return int(tag.RowsAffected()), nil
	})
}
