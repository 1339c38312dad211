package main

import (
	"context"
	"log/slog"
	"time"
)

// retryRebuild runs rebuild until it succeeds or ctx ends, pausing between failures from first
// doubling up to most: an index left stale by a crash is rebuilt once the catalog can be read
// again (a database restart, say), not at the next start. It reports whether rebuild rebuilt.
func retryRebuild(ctx context.Context, rebuild func(context.Context) (bool, error), first, most time.Duration) bool {
	pause := first
	for {
		rebuilt, err := rebuild(ctx)
		if err == nil {
			return rebuilt
		}
		if ctx.Err() != nil {
			return false
		}
		slog.Error("search index rebuild after a crash failed; retrying", "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(pause):
		}
		pause = min(2*pause, most)
	}
}
