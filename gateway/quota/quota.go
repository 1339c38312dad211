// Package quota limits how often a caller may call the gateway: one GCRA bucket per caller in
// Redis, checked and updated by a single Lua script (github.com/go-redis/redis_rate), so every
// gateway replica shares the same count.
package quota

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is returned by a fail-closed Limiter when Redis cannot answer.
var ErrUnavailable = errors.New("quota store unavailable")

// Rate is how many requests a caller may make per period; the whole amount may be spent at
// once (the burst equals the limit) and it comes back evenly over the period.
type Rate struct {
	Limit  int
	Period time.Duration
}

// IsZero reports whether the rate sets no limit.
func (r Rate) IsZero() bool { return r.Limit <= 0 || r.Period <= 0 }

func (r Rate) String() string {
	if r.IsZero() {
		return ""
	}
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h", 24 * time.Hour: "d"}[r.Period]
	if unit == "" {
		return fmt.Sprintf("%d/%s", r.Limit, r.Period)
	}
	return fmt.Sprintf("%d/%s", r.Limit, unit)
}

// ParseRate reads "600/m" (units s, m, h, d) or "600/30s" (any Go duration).
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/unit, e.g. 600/m", s)
	}
	limit, err := strconv.Atoi(n)
	if err != nil || limit <= 0 {
		return Rate{}, fmt.Errorf("rate %q: the count must be a positive integer", s)
	}
	period, ok := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[per]
	if !ok {
		if period, err = time.ParseDuration(per); err != nil || period <= 0 {
			return Rate{}, fmt.Errorf("rate %q: the period must be s, m, h, d or a duration", s)
		}
	}
	return Rate{Limit: limit, Period: period}, nil
}

// Options configure a Limiter.
type Options struct {
	// Prefix starts every Redis key the limiter writes (default "shopgraph:quota:"), so tests
	// and several deployments can share one Redis.
	Prefix string
	// FailOpen lets requests through when Redis cannot answer (the decision is then marked
	// Unknown); otherwise Allow returns ErrUnavailable.
	FailOpen bool
	// Timeout bounds one check (default 200ms), so a slow Redis costs a request little.
	Timeout time.Duration
}

// Limiter checks callers against their rates.
type Limiter struct {
	gcra    *redis_rate.Limiter
	prefix  string
	open    bool
	timeout time.Duration
}

// New returns a Limiter over the Redis client.
func New(rdb redis.UniversalClient, opts Options) *Limiter {
	if opts.Prefix == "" {
		opts.Prefix = "shopgraph:quota:"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	return &Limiter{gcra: redis_rate.NewLimiter(rdb), prefix: opts.Prefix, open: opts.FailOpen, timeout: opts.Timeout}
}

// Decision is the outcome of one check.
type Decision struct {
	Allowed bool
	Rate    Rate
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// RetryAfter is how long until the next request is allowed (zero when allowed).
	RetryAfter time.Duration
	// Reset is how long until the whole limit is available again.
	Reset time.Duration
	// Unknown is set when Redis did not answer and the limiter failed open.
	Unknown bool
}

// Allow counts one request of the caller and reports whether it fits the rate. A zero rate
// always allows.
func (l *Limiter) Allow(ctx context.Context, caller string, rate Rate) (Decision, error) {
	if rate.IsZero() {
		return Decision{Allowed: true, Rate: rate, Unknown: true}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := l.gcra.Allow(ctx, l.prefix+caller, redis_rate.Limit{Rate: rate.Limit, Burst: rate.Limit, Period: rate.Period})
	if err != nil {
		if l.open {
			return Decision{Allowed: true, Rate: rate, Unknown: true}, nil
		}
		return Decision{Rate: rate}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	d := Decision{Allowed: res.Allowed > 0, Rate: rate, Remaining: res.Remaining, Reset: max(res.ResetAfter, 0)}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, 0)
	}
	return d, nil
}
