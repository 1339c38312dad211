package persisted

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
)

// apqStore keeps APQ registrations: an in-process LRU in front of Redis,
// which gateway replicas share. Redis failures never fail a request: the
// store then works from the LRU alone, and says so once in the log.
type apqStore struct {
	lru     *lru.Cache[string, string]
	rdb     redis.UniversalClient
	prefix  string
	ttl     time.Duration
	timeout time.Duration
	maxSize int
	log     *slog.Logger
	down    atomic.Bool
	// retryAt (unix nanoseconds) is when Redis is tried again after a
	// failure; until then requests do not wait on it.
	retryAt atomic.Int64
}

// redisRetry is how long the store works from the LRU alone after Redis fails.
const redisRetry = time.Second

func (s *apqStore) useRedis() bool {
	return s.rdb != nil && (!s.down.Load() || time.Now().UnixNano() >= s.retryAt.Load())
}

func newAPQStore(o Options) *apqStore {
	c, err := lru.New[string, string](o.CacheSize)
	if err != nil { // only for a size <= 0, which withDefaults rules out
		panic(err)
	}
	return &apqStore{lru: c, rdb: o.Redis, prefix: o.KeyPrefix, ttl: o.TTL, timeout: o.RedisTimeout, maxSize: o.MaxDocumentSize, log: o.Logger}
}

// get returns the query registered under hash. A hit in Redis renews its TTL,
// so queries in use do not expire.
func (s *apqStore) get(ctx context.Context, hash string) (string, bool) {
	if q, ok := s.lru.Get(hash); ok {
		return q, true
	}
	if !s.useRedis() {
		return "", false
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	q, err := s.rdb.GetEx(rctx, s.prefix+hash, s.ttl).Result()
	if errors.Is(err, redis.Nil) {
		s.reachable()
		return "", false
	}
	if err != nil {
		s.failed(ctx, "lookup", err)
		return "", false
	}
	s.reachable()
	// Whatever sits under the key must still be the query of that hash.
	if Hash(q) != hash {
		s.log.Warn("APQ entry in Redis does not match its hash; ignored", "key", s.prefix+hash)
		return "", false
	}
	s.lru.Add(hash, q)
	return q, true
}

// put registers query under its hash, which the caller has verified.
func (s *apqStore) put(ctx context.Context, hash, query string) {
	if len(query) > s.maxSize {
		return
	}
	if s.lru.Contains(hash) {
		return
	}
	s.lru.Add(hash, query)
	if !s.useRedis() {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.rdb.Set(rctx, s.prefix+hash, query, s.ttl).Err(); err != nil {
		s.failed(ctx, "register", err)
		return
	}
	s.reachable()
}

// failed sets Redis aside for redisRetry and logs the first failure of a run
// of them; the client's own cancellation is not a Redis failure.
func (s *apqStore) failed(ctx context.Context, op string, err error) {
	if ctx.Err() != nil {
		return
	}
	s.retryAt.Store(time.Now().Add(redisRetry).UnixNano())
	if s.down.CompareAndSwap(false, true) {
		s.log.Warn("APQ Redis unavailable; registrations stay in this process until it is back", "op", op, "err", err)
	}
}

func (s *apqStore) reachable() {
	if s.down.CompareAndSwap(true, false) {
		s.log.Info("APQ Redis reachable again")
	}
}
