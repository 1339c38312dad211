package orders

import (
	"context"
	"fmt"
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
