package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs"
)

// PurgeReleasedHolds deletes holds released before the time, batch per statement until one
// comes back short, and returns how many. A hold being changed right now is skipped (SKIP
// LOCKED) and deleted by the next run; a confirmed hold is never deleted.
func (s *Store) PurgeReleasedHolds(ctx context.Context, before time.Time, batch int) (int, error) {
	return subgraphs.InBatches("purge released holds", batch, func(limit int) (int, error) {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM inventory.hold WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM inventory.hold
				WHERE status = 'RELEASED' AND updated_at < $1
				ORDER BY updated_at
				LIMIT $2
				FOR UPDATE SKIP LOCKED))`, before, limit)
		if err != nil {
			return 0, fmt.Errorf("purge released holds: %w", err)
		}
		return int(tag.RowsAffected()), nil
	})
}
