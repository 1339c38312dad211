package orders

import (
	"context"
	"fmt"
	"time"
)

// PurgeIdempotencyKeys deletes the keys whose outcome expired and whose saga ended, batch at a
// time until a batch comes back short, and returns how many it deleted. Without it the keys
// grow without bound; after it, a purged key starts a new checkout.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("purge idempotency keys: batch %d must be positive", batch)
	}
	total := 0
	for {
		n, err := s.store.PurgeIdempotencyKeys(ctx, batch)
		total += n
		if err != nil {
			return total, err
		}
		if n < batch {
			return total, nil
		}
	}
}

// FailedAttemptRetention is how long a checkout that failed before creating an order (a refused
// cart, OUT_OF_STOCK, a declined payment) is kept: long enough to answer a buyer asking why.
const FailedAttemptRetention = 30 * 24 * time.Hour

// PurgeFailedAttempts deletes the sagas of checkouts that failed before creating an order and
// are older than FailedAttemptRetention, batch at a time until a batch comes back short, and
// returns how many it deleted. Without it every refused attempt (a flash sale refuses most)
// is kept forever.
func (s *Service) PurgeFailedAttempts(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("purge failed checkout attempts: batch %d must be positive", batch)
	}
	before := s.now().Add(-FailedAttemptRetention)
	total := 0
	for {
		n, err := s.store.PurgeFailedAttempts(ctx, before, batch)
		total += n
		if err != nil {
			return total, err
		}
		if n < batch {
			return total, nil
		}
	}
}
