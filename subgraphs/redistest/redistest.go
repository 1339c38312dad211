// Package redistest gives tests a client of the Redis server that `make test` starts
// (REDIS_URL) and key prefixes of their own, so test packages share the server without sharing
// keys.
package redistest

import (
	"context"
	"os"
	"testing"

	"github.com/oklog/ulid/v2"
	"github.com/redis/go-redis/v9"
)

// Client connects to the test server, skipping the test when none is configured and failing it
// under CI, where a missing server is a broken setup rather than a choice. The pool is large
// enough for the concurrency tests; the client closes when the test ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("REDIS_URL is not set: run the tests with `make test`")
		}
		t.Skip("REDIS_URL is not set: run the tests with `make test`")
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("parse REDIS_URL: %v", err)
	}
	opt.PoolSize = 64
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Prefix returns a key prefix of this test's own, "test:<area>:<unique id>:", and deletes
// every key under it when the test ends.
func Prefix(t testing.TB, c redis.UniversalClient, area string) string {
	t.Helper()
	prefix := "test:" + area + ":" + ulid.Make().String() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return prefix
}
