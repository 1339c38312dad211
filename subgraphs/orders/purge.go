package orders

import (
	"cmp"
	"context"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs"
)

// PurgeIdempotencyKeys deletes the keys whose outcome expired and whose saga ended, batch at a
// time until a batch comes back short, and returns how many it deleted. Without it the keys
// grow without bound; after it, a purged key starts a new checkout.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context, batch int) (int, error) {
	return subgraphs.InBatches("purge idempotency keys", batch, func(limit int) (int, error) {
		return s.store.PurgeIdempotencyKeys(ctx, limit)
	})
}

// FailedAttemptRetention is how long a checkout that failed before creating an order (a refused
// cart, OUT_OF_STOCK, a declined payment) is kept by default: long enough to answer a buyer
// asking why.
const FailedAttemptRetention = 30 * 24 * time.Hour

// PurgeFailedAttempts deletes the sagas of checkouts that failed before creating an order and
// are older than retention (0: FailedAttemptRetention), batch at a time until a batch comes back
// short, and returns how many it deleted. Without it every refused attempt (a flash sale refuses
// most) is kept forever.
func (s *Service) PurgeFailedAttempts(ctx context.Context, batch int, retention time.Duration) (int, error) {
	before := s.now().Add(-cmp.Or(retention, FailedAttemptRetention))
	return subgraphs.InBatches("purge failed checkout attempts", batch, func(limit int) (int, error) {
		return s.store.PurgeFailedAttempts(ctx, before, limit)
	})
}
