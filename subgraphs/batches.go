package subgraphs

import "fmt"

// InBatches runs purge with limit batch until it deletes fewer than batch, and returns how
// many it deleted in all: a purge of old rows that holds no lock for long. what names the
// purge when batch is not positive; purge's own errors are returned as they are.
func InBatches(what string, batch int, purge func(limit int) (int, error)) (int, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("%s: batch %d must be positive", what, batch)
	}
	total := 0
	for {
		n, err := purge(batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}
