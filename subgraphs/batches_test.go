package subgraphs

import (
	"errors"
	"testing"
)

// A purge runs until a batch comes back short, counts every batch, stops at the first error
// with what it had deleted, and refuses a batch that is not positive.
func TestInBatches(t *testing.T) {
	left := 7
	calls := 0
	n, err := InBatches("purge", 3, func(limit int) (int, error) {
		calls++
		k := min(limit, left)
		left -= k
		return k, nil
	})
	if err != nil || n != 7 || calls != 3 {
		t.Errorf("deleted %d in %d batches (%v), want 7 in 3", n, calls, err)
	}
	boom := errors.New("boom")
	first := true
	n, err = InBatches("purge", 2, func(int) (int, error) {
		if first { // a full batch, then a failing one that deleted one row first
			first = false
			return 2, nil
		}
		return 1, boom
	})
	if !errors.Is(err, boom) || n != 3 {
		t.Errorf("deleted %d before the error (%v), want 3 and the error", n, err)
	}
	if _, err := InBatches("purge", 0, func(int) (int, error) { t.Fatal("ran with batch 0"); return 0, nil }); err == nil {
		t.Error("batch 0 accepted")
	}
}
