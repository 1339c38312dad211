package quota_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/quota"
)

// testPrefix keeps each test's buckets apart from other tests and runs.
func testPrefix() string { return fmt.Sprintf("test:quota:%x:", rand.Uint64()) }

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want quota.Rate
		bad  bool
	}{
		{in: "600/m", want: quota.Rate{Limit: 600, Period: time.Minute}},
		{in: "10/s", want: quota.Rate{Limit: 10, Period: time.Second}},
		{in: "5000/h", want: quota.Rate{Limit: 5000, Period: time.Hour}},
		{in: "100/30s", want: quota.Rate{Limit: 100, Period: 30 * time.Second}},
		{in: "600", bad: true},
		{in: "0/m", bad: true},
		{in: "x/m", bad: true},
		{in: "10/fortnight", bad: true},
	} {
		got, err := quota.ParseRate(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseRate(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestLimitRefusesTheRequestAfterTheQuota(t *testing.T) {
	l := quota.New(redistest.Client(t), quota.Options{Prefix: testPrefix()})
	rate := quota.Rate{Limit: 5, Period: time.Hour}
	ctx := context.Background()
	for i := range 5 {
		d, err := l.Allow(ctx, "key-a", rate)
		if err != nil || !d.Allowed {
			t.Fatalf("request %d: %+v, %v; want allowed", i+1, d, err)
		}
		if d.Remaining != 4-i {
			t.Errorf("request %d: remaining %d, want %d", i+1, d.Remaining, 4-i)
		}
	}
	d, err := l.Allow(ctx, "key-a", rate)
	if err != nil || d.Allowed {
		t.Fatalf("request 6: %+v, %v; want refused", d, err)
	}
	h := http.Header{}
	d.WriteHeaders(h)
	if h.Get("RateLimit-Limit") != "5" || h.Get("RateLimit-Remaining") != "0" {
		t.Errorf("headers %v", h)
	}
	// One request comes back every 12 minutes.
	if ra := h.Get("Retry-After"); ra == "" || d.RetryAfter < 11*time.Minute || d.RetryAfter > 12*time.Minute {
		t.Errorf("Retry-After %q (%v), want about 720s", ra, d.RetryAfter)
	}
	// Another caller has its own bucket.
	if d, err := l.Allow(ctx, "key-b", rate); err != nil || !d.Allowed {
		t.Errorf("another caller: %+v, %v; want allowed", d, err)
	}
}

// Many goroutines spending one bucket at once never get more than the limit through: the check
// and the update are one script, so there is no read-then-write race.
func TestLimitHoldsUnderConcurrency(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := testPrefix()
	// Two limiters, as two gateway replicas would have.
	replicas := []*quota.Limiter{quota.New(rdb, quota.Options{Prefix: prefix}), quota.New(rdb, quota.Options{Prefix: prefix})}
	const limit, workers, each = 100, 32, 10
	rate := quota.Rate{Limit: limit, Period: 24 * time.Hour}
	var allowed, refused atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				d, err := replicas[w%2].Allow(context.Background(), "shared", rate)
				if err != nil {
					errs <- err
					return
				}
				if d.Allowed {
					allowed.Add(1)
				} else {
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The refill over the test's run time (one request per 864s) cannot add one.
	if allowed.Load() != limit {
		t.Errorf("allowed %d of %d requests, want exactly %d", allowed.Load(), workers*each, limit)
	}
	if allowed.Load()+refused.Load() != workers*each {
		t.Errorf("allowed %d + refused %d != %d", allowed.Load(), refused.Load(), workers*each)
	}
}

func TestRedisDown(t *testing.T) {
	// Nothing listens on port 1.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = down.Close() })
	rate := quota.Rate{Limit: 5, Period: time.Minute}

	closed := quota.New(down, quota.Options{})
	if d, err := closed.Allow(context.Background(), "k", rate); !errors.Is(err, quota.ErrUnavailable) || d.Allowed {
		t.Errorf("fail closed: %+v, %v; want refused with ErrUnavailable", d, err)
	}
	open := quota.New(down, quota.Options{FailOpen: true})
	d, err := open.Allow(context.Background(), "k", rate)
	if err != nil || !d.Allowed || !d.Unknown {
		t.Errorf("fail open: %+v, %v; want allowed and unknown", d, err)
	}
	h := http.Header{}
	d.WriteHeaders(h)
	if h.Get("RateLimit-Limit") != "5" || h.Get("RateLimit-Remaining") != "" {
		t.Errorf("headers without Redis %v: want the limit only", h)
	}
}

// Quota checks per second through Redis, with 1 and 16 checks in flight per core (one
// caller's bucket, the worst case: every check touches the same key).
func BenchmarkAllow(b *testing.B) {
	l := quota.New(redistest.Client(b), quota.Options{Prefix: testPrefix()})
	rate := quota.Rate{Limit: 1 << 30, Period: time.Second}
	ctx := context.Background()
	for _, p := range []int{1, 16} {
		b.Run(fmt.Sprintf("inflight=%dxGOMAXPROCS", p), func(b *testing.B) {
			b.SetParallelism(p)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.Allow(ctx, "bench", rate); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		})
	}
}
