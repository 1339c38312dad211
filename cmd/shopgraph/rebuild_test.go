package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A rebuild that fails is run again, with growing pauses, until it succeeds.
func TestRetryRebuildUntilItSucceeds(t *testing.T) {
	calls := 0
	rebuilt := retryRebuild(context.Background(), func(context.Context) (bool, error) {
		calls++
		if calls < 3 {
			return false, errors.New("catalog unreachable")
		}
		return true, nil
	}, time.Millisecond, 4*time.Millisecond)
	if !rebuilt || calls != 3 {
		t.Fatalf("rebuilt %v after %d calls, want true after 3", rebuilt, calls)
	}
}

// Shutting down stops the retries.
func TestRetryRebuildStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	done := make(chan bool)
	go func() {
		done <- retryRebuild(ctx, func(context.Context) (bool, error) {
			calls++
			if calls == 2 {
				cancel()
			}
			return false, errors.New("catalog unreachable")
		}, time.Millisecond, time.Millisecond)
	}()
	if <-done {
		t.Fatal("reported a rebuild that never happened")
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2 (none after the context ended)", calls)
	}
}
