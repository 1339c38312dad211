package postgres

import (
	"context"
	"fmt"
	"time"
)

// purgeKeys deletes up to $1 expired keys whose saga ended, oldest first. SKIP LOCKED leaves a
// key that a checkout is taking over right now to it; the lock rechecks expires_at of a key
// taken over since the snapshot, so a key renewed for a new saga is never deleted. The locked
// rows are deleted by ctid (a TID scan), so a batch never scans the whole table.
const purgeKeys = `
	DELETE FROM orders.idempotency_key WHERE ctid = ANY(ARRAY(
		SELECT k.ctid FROM orders.idempotency_key AS k
		JOIN orders.saga AS s ON s.id = k.order_id
		WHERE k.response IS NOT NULL AND k.expires_at < now() AND s.status IN ('COMPLETED', 'FAILED')
		ORDER BY k.expires_at
		LIMIT $1
		FOR UPDATE OF k SKIP LOCKED))`

// PurgeIdempotencyKeys implements orders.Store.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, purgeKeys, limit)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// purgeFailedAttempts deletes up to $2 sagas that failed before creating an order, created
// before $1, oldest first, whose idempotency key is gone (purged a day after the outcome, or
// taken over by a later checkout). A saga with an order is the order's record and stays.
const purgeFailedAttempts = `
	DELETE FROM orders.saga WHERE ctid = ANY(ARRAY(
		SELECT s.ctid FROM orders.saga AS s
		WHERE s.status = 'FAILED' AND s.created_at < $1
		  AND NOT EXISTS (SELECT 1 FROM orders."order" AS o WHERE o.id = s.id)
		  AND NOT EXISTS (SELECT 1 FROM orders.idempotency_key AS k WHERE k.order_id = s.id)
		ORDER BY s.created_at
		LIMIT $2
		FOR UPDATE OF s SKIP LOCKED))`

// PurgeFailedAttempts implements orders.Store.
func (s *Store) PurgeFailedAttempts(ctx context.Context, createdBefore time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, purgeFailedAttempts, createdBefore, limit)
	if err != nil {
		return 0, fmt.Errorf("purge failed checkout attempts: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
