package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configure a Store.
type Options struct {
	// Redis is the tier every replica shares; nil keeps the cache in process only.
	Redis redis.UniversalClient
	// Prefix starts every Redis key and the purge channel (default "shopgraph:cache:").
	Prefix string
	// LocalBytes bounds the in-process tier (default 64 MiB).
	LocalBytes uint64
	// NoLocal keeps nothing in process: every lookup goes to Redis.
	NoLocal bool
	// StaleFor is how long past its maxAge a value may still be served when the subgraphs
	// fail (default 5 minutes; negative: never).
	StaleFor time.Duration
	// RedisTimeout bounds each Redis call, so a slow Redis costs a request little (default 100ms).
	RedisTimeout time.Duration
	// Now is the clock deciding freshness (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// OnPurge, when set, is called after this process dropped the entries of a purge.
	OnPurge func(tags []string)
	// Writers bounds the Redis writes running in the background after misses (default 16);
	// a miss that finds them all busy is not written to Redis (Counts.WritesDropped).
	Writers int
}

// Store keeps entries in two tiers and purges them by tag across replicas.
type Store struct {
	opts      Options
	local     *local
	rdb       redis.UniversalClient
	responses counters
	entities  counters
	purges    atomic.Uint64
	writers   chan struct{} // a slot per background write
	pending   sync.WaitGroup

	// purgedAt remembers recent purges, so a value computed before a purge of one of its
	// tags is not stored after it.
	mu       sync.Mutex
	purgedAt map[string]time.Time
	sweepAt  int // size of purgedAt at which old purges are forgotten
	lastLog  time.Time
}

// NewStore returns a Store.
func NewStore(opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "shopgraph:cache:"
	}
	if opts.LocalBytes == 0 {
		opts.LocalBytes = 64 << 20
	}
	if opts.StaleFor == 0 {
		opts.StaleFor = 5 * time.Minute
	}
	if opts.StaleFor < 0 {
		opts.StaleFor = 0
	}
	if opts.RedisTimeout <= 0 {
		opts.RedisTimeout = 100 * time.Millisecond
	}
	if opts.Writers <= 0 {
		opts.Writers = 16
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Store{opts: opts, local: newLocal(opts.LocalBytes, opts.StaleFor, !opts.NoLocal), rdb: opts.Redis, purgedAt: map[string]time.Time{},
		writers: make(chan struct{}, opts.Writers)}
}

// Stats returns the counters so far.
func (s *Store) Stats() Stats {
	return Stats{Responses: s.responses.snapshot(), Entities: s.entities.snapshot(),
		Purges: s.purges.Load(), LocalBytes: s.local.c.WeightedSize()}
}

func (s *Store) now() time.Time { return s.opts.Now() }

func (s *Store) entryKey(key string) string   { return s.opts.Prefix + "e:" + key }
func (s *Store) tagKey(tag string) string     { return s.opts.Prefix + "t:" + tag }
func (s *Store) relatedKey(tag string) string { return s.opts.Prefix + "rel:" + tag }
func (s *Store) channel() string              { return s.opts.Prefix + "purge" }

// usable reports whether the entry may still be served at all (fresh or within StaleFor).
func (s *Store) usable(e *Entry, now time.Time) bool {
	return now.Before(e.Stored.Add(e.MaxAge + s.opts.StaleFor))
}

// get looks key up in process, then (when missing or stale there) in Redis; an entry found
// in Redis is kept in process. It returns stale entries still within StaleFor; only fresh
// ones count as hits. since is Redis's clock at the lookup (0 when Redis was not asked), for
// the write of what is computed after a miss.
func (s *Store) get(ctx context.Context, c *counters, key string) (e *Entry, since int64) {
	out, since := s.getMany(ctx, c, []string{key})
	return out[0], since
}

// getMany looks keys up like get, with one Redis round trip for the in-process misses: their
// GET and Redis's clock, pipelined.
func (s *Store) getMany(ctx context.Context, c *counters, keys []string) (_ []*Entry, since int64) {
	out := make([]*Entry, len(keys))
	now := s.now()
	var missing []int
	for i, k := range keys {
		if e, ok := s.local.get(k); ok && s.usable(e, now) {
			out[i] = e
			if e.Fresh(now) {
				c.localHits.Add(1)
				continue
			}
		}
		c.localMisses.Add(1)
		missing = append(missing, i)
	}
	if s.rdb == nil || len(missing) == 0 {
		return out, 0
	}
	rkeys := make([]string, len(missing))
	for j, i := range missing {
		rkeys[j] = s.entryKey(keys[i])
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.RedisTimeout)
	defer cancel()
	pipe := s.rdb.Pipeline()
	mget := pipe.MGet(ctx, rkeys...)
	clock := pipe.Time(ctx)
	_, err := pipe.Exec(ctx)
	vals := mget.Val()
	if err != nil || len(vals) != len(missing) {
		if err == nil {
			err = errors.New("short MGET reply")
		}
		s.redisFailed(c, "get", err)
		c.redisMisses.Add(uint64(len(missing)))
		return out, 0
	}
	for j, i := range missing {
		str, ok := vals[j].(string)
		var e *Entry
		if ok {
			e, err = unmarshalEntry([]byte(str))
		}
		if !ok || err != nil || !e.Fresh(now) {
			c.redisMisses.Add(1)
			continue
		}
		c.redisHits.Add(1)
		s.local.set(keys[i], e)
		out[i] = e
	}
	return out, redisTime(clock)
}

// set stores the entries in process now and in Redis in the background (see writeLater),
// unless one of their tags was purged after they were computed (e.Stored is when their fetch
// began; since is Redis's clock at the lookup that missed them). nested maps an entity tag to
// the tag of the entity it was found in; both learn of each other, for purges that follow them.
func (s *Store) set(ctx context.Context, c *counters, keys []string, entries []*Entry, nested map[string]string, since int64) {
	s.mu.Lock()
	keep := keys[:0:0]
	kept := entries[:0:0]
	for i, e := range entries {
		stale := false
		for _, t := range e.Tags {
			if at, ok := s.purgedAt[t]; ok && !at.Before(e.Stored) {
				stale = true
				break
			}
		}
		if !stale {
			keep, kept = append(keep, keys[i]), append(kept, e)
		}
	}
	s.mu.Unlock()
	for i, e := range kept {
		s.local.set(keep[i], e)
	}
	c.stores.Add(uint64(len(kept)))
	if s.rdb == nil || (len(kept) == 0 && len(nested) == 0) {
		return
	}
	s.writeLater(ctx, write{c: c, keys: keep, entries: kept, nested: nested, since: since, queued: time.Now()})
}

// addToSet adds member to a set whose TTL only ever grows to cover its members.
func (s *Store) addToSet(ctx context.Context, pipe redis.Pipeliner, key, member string, ttl time.Duration) {
	pipe.SAdd(ctx, key, member)
	pipe.ExpireNX(ctx, key, ttl)
	pipe.ExpireGT(ctx, key, ttl)
}

// relatedTTL is how long a relation between two entities is remembered after it was last
// seen: longer than any entry that holds both.
const relatedTTL = time.Hour

// PurgeRelated purges the tags and the tags of the entities seen nested in or around them
// (a Variant's Product, a Product's Variants): a price change announced for a product then
// reaches responses that show only its variants, and a stock change of a SKU reaches those
// that show only its product.
func (s *Store) PurgeRelated(ctx context.Context, tags ...string) error {
	return s.purge(ctx, tags, true)
}

// purgeMessage travels on the purge channel.
type purgeMessage struct {
	Tags []string `json:"tags"`
}

// Purge deletes every entry tagged with one of tags, here, in Redis, and (through the purge
// channel) in every replica's process. It returns an error only when Redis failed, after
// the local purge is done.
func (s *Store) Purge(ctx context.Context, tags ...string) error {
	return s.purge(ctx, tags, false)
}

// purge is Purge, and with related PurgeRelated: the related entities' tags are read in the
// same round trip as the tags' own entries, and purged in one more only when there are any.
// Each tag is stamped before its set of entries is read (see write.go).
func (s *Store) purge(ctx context.Context, tags []string, related bool) error {
	if len(tags) == 0 {
		return nil
	}
	s.dropLocal(tags)
	if s.rdb == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*s.opts.RedisTimeout)
	defer cancel()
	members, rel, err := s.stampAndRead(ctx, tags, related)
	if err != nil {
		return err
	}
	all := tags
	if related {
		seen := make(map[string]bool, len(tags))
		for _, t := range tags {
			seen[t] = true
		}
		var more []string
		for _, r := range rel {
			for _, o := range r.Val() {
				if !seen[o] {
					seen[o] = true
					more = append(more, o)
				}
			}
		}
		if len(more) > 0 {
			s.dropLocal(more)
			moreMembers, _, err := s.stampAndRead(ctx, more, false)
			if err != nil {
				return err
			}
			all = append(append([]string(nil), tags...), more...)
			members = append(members, moreMembers...)
		}
	}
	pipe := s.rdb.Pipeline()
	for i, t := range all {
		keys := members[i].Val()
		if len(keys) == 0 {
			continue
		}
		pipe.Del(ctx, keys...)
		// only what was read: members added meanwhile keep their tag
		args := make([]any, len(keys))
		for j, k := range keys {
			args[j] = k
		}
		pipe.SRem(ctx, s.tagKey(t), args...)
	}
	msg, _ := json.Marshal(purgeMessage{Tags: all})
	pipe.Publish(ctx, s.channel(), msg)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cache purge: %w", err)
	}
	return nil
}

// stampAndRead stamps the tags and reads, in one round trip, the set of entries of each and,
// with related, the set of its related tags.
func (s *Store) stampAndRead(ctx context.Context, tags []string, related bool) (members, rel []*redis.StringSliceCmd, err error) {
	pipe := s.rdb.Pipeline()
	stamps := make([]string, len(tags))
	for i, t := range tags {
		stamps[i] = s.stampKey(t)
	}
	stampScript.Eval(ctx, pipe, stamps, stampArgs()...) // before the sets are read: see write.go
	members = make([]*redis.StringSliceCmd, len(tags))
	for i, t := range tags {
		members[i] = pipe.SMembers(ctx, s.tagKey(t))
	}
	if related {
		rel = make([]*redis.StringSliceCmd, len(tags))
		for i, t := range tags {
			rel[i] = pipe.SMembers(ctx, s.relatedKey(t))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		s.redisFailed(&s.responses, "purge", err)
		return nil, nil, fmt.Errorf("cache purge: %w", err)
	}
	return members, rel, nil
}

// How long a purge is remembered against values computed before it, and the fewest purges
// remembered before a sweep forgets older ones.
const (
	purgeMemory   = 2 * time.Minute
	minPurgeSweep = 4096
)

func (s *Store) dropLocal(tags []string) {
	now := s.now()
	s.mu.Lock()
	for _, t := range tags {
		s.purgedAt[t] = now
	}
	if len(s.purgedAt) > max(s.sweepAt, minPurgeSweep) {
		// A value is computed within a request's deadline, far less than purgeMemory; the
		// next sweep waits until the map doubles, so a stream of purges costs O(1) each.
		for t, at := range s.purgedAt {
			if now.Sub(at) > purgeMemory {
				delete(s.purgedAt, t)
			}
		}
		s.sweepAt = 2 * len(s.purgedAt)
	}
	s.mu.Unlock()
	s.local.purge(tags)
	s.purges.Add(1)
	if s.opts.OnPurge != nil {
		s.opts.OnPurge(tags)
	}
}

// Listen subscribes to the purge channel and returns once the subscription is in place;
// purges from every replica then drop entries in this process until ctx ends or close is
// called. Without Redis it does nothing.
func (s *Store) Listen(ctx context.Context) (closeFn func(), err error) {
	if s.rdb == nil {
		return func() {}, nil
	}
	sub := s.rdb.Subscribe(ctx, s.channel())
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return nil, fmt.Errorf("cache purge channel: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range sub.Channel() {
			var pm purgeMessage
			if json.Unmarshal([]byte(m.Payload), &pm) == nil && len(pm.Tags) > 0 {
				s.dropLocal(pm.Tags)
			}
		}
	}()
	stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
	var once sync.Once
	return func() {
		once.Do(func() {
			stop()
			_ = sub.Close()
			<-done
		})
	}, nil
}

// redisFailed counts a Redis error and logs it at most once a second.
func (s *Store) redisFailed(c *counters, op string, err error) {
	c.redisErrors.Add(1)
	s.mu.Lock()
	now := time.Now()
	quiet := now.Sub(s.lastLog) < time.Second
	if !quiet {
		s.lastLog = now
	}
	s.mu.Unlock()
	if !quiet {
		s.opts.Logger.Warn("response cache: redis unavailable, serving from process memory", "op", op, "err", err)
	}
}
