package postgres

import (
	"context"
	"fmt"
	"time"
)

// PurgeReleasedHolds deletes holds released before the time, batch per statement until one
// comes back short, and returns how many. A hold being changed right now is skipped (SKIP
// LOCKED) and deleted by the next run; a confirmed hold is never deleted.
func (s *Store) PurgeReleasedHolds(ctx context.Context, before time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("purge released holds: batch %d must be positive", batch)
	}
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM inventory.hold WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM inventory.hold
				WHERE status = 'RELEASED' AND updated_at < $1
				ORDER BY updated_at
				LIMIT $2
				FOR UPDATE SKIP LOCKED))`, before, batch)
		if err != nil {
			return total, fmt.Errorf("purge released holds: %w", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < batch {
			return total, nil
		}
	}
}
