package cache

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A miss answers as soon as its response exists; the Redis write of what it stored happens
// after, in the background, at most Options.Writers at a time. A write that finds them all
// busy is dropped and counted (the value is still in process; another replica computes it
// once more).
//
// A purge stamps each of its tags with Redis's clock (<prefix>p:<tag>) before it reads the
// tag's set; the write is a script that stores nothing when one of its tags was stamped at or
// after the lookup that missed (whose pipeline read the same clock). Either the write lands
// before the stamp, and the purge's read of the set that follows finds and deletes it, or it
// runs after and sees the stamp: a value computed before a purge never outlives it in Redis,
// whichever replica purged and however late the write runs.

// writeScript stores one entry and adds it to its tag sets unless a tag was purged since.
// KEYS: entry, then n tag sets, then their n purge stamps. ARGV: since (µs), value, ttl (ms), n.
var writeScript = redis.NewScript(`
local n = tonumber(ARGV[4])
local since = tonumber(ARGV[1])
for i = 1, n do
  local p = redis.call('GET', KEYS[1+n+i])
  if p and tonumber(p) >= since then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for i = 1, n do
  redis.call('SADD', KEYS[1+i], KEYS[1])
  redis.call('PEXPIRE', KEYS[1+i], ARGV[3], 'NX')
  redis.call('PEXPIRE', KEYS[1+i], ARGV[3], 'GT')
end
return 1
`)

// stampScript marks its keys (purge stamps) with Redis's clock, in µs. ARGV: ttl (ms).
var stampScript = redis.NewScript(`
local t = redis.call('TIME')
local us = t[1] .. string.rep('0', 6 - #t[2]) .. t[2] -- a string: Lua would print a number inexactly
for i = 1, #KEYS do redis.call('SET', KEYS[i], us, 'PX', ARGV[1]) end
return us
`)

// stampTTL is how long a purge stamp lives: longer than any lookup-to-write delay, which
// writeLate bounds.
const (
	stampTTL  = 10 * time.Minute
	writeLate = stampTTL / 2
)

func (s *Store) stampKey(tag string) string { return s.opts.Prefix + "p:" + tag }

// redisTime is Redis's clock in µs, as a TIME reply gives it.
func redisTime(cmd *redis.TimeCmd) int64 {
	t, err := cmd.Result()
	if err != nil {
		return 0
	}
	return t.UnixMicro()
}

// write is one background Redis write: entries looked up (and missed) at since (Redis clock).
type write struct {
	c       *counters
	keys    []string
	entries []*Entry
	nested  map[string]string
	since   int64
	queued  time.Time
}

// writeLater starts w in the background, or drops it when Options.Writers are busy.
func (s *Store) writeLater(ctx context.Context, w write) {
	select {
	case s.writers <- struct{}{}:
	default:
		w.c.writesDropped.Add(1)
		return
	}
	s.pending.Add(1)
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer func() {
			<-s.writers
			s.pending.Done()
		}()
		s.writeNow(ctx, w)
	}()
}

// Wait returns once the background writes started so far are done.
func (s *Store) Wait() { s.pending.Wait() }

// writeNow stores the entries in Redis, with their tag sets, in one round trip.
func (s *Store) writeNow(ctx context.Context, w write) {
	if w.since == 0 || time.Since(w.queued) > writeLate {
		return // no clock to check purges against: leave Redis alone
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.RedisTimeout)
	defer cancel()
	run := func(sha bool) ([]redis.Cmder, error) {
		pipe := s.rdb.Pipeline()
		for i, e := range w.entries {
			keys := make([]string, 1, 1+2*len(e.Tags))
			keys[0] = s.entryKey(w.keys[i])
			for _, t := range e.Tags {
				keys = append(keys, s.tagKey(t))
			}
			for _, t := range e.Tags {
				keys = append(keys, s.stampKey(t))
			}
			ttl := (e.MaxAge + s.opts.StaleFor).Milliseconds()
			args := []any{w.since, e.marshal(), max(ttl, 1), len(e.Tags)}
			if sha {
				writeScript.EvalSha(ctx, pipe, keys, args...)
			} else {
				writeScript.Eval(ctx, pipe, keys, args...)
			}
		}
		for inner, outer := range w.nested {
			s.addToSet(ctx, pipe, s.relatedKey(inner), outer, relatedTTL)
			s.addToSet(ctx, pipe, s.relatedKey(outer), inner, relatedTTL)
		}
		return pipe.Exec(ctx)
	}
	_, err := run(true)
	if err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		_, err = run(false) // Redis forgot the script (restart, SCRIPT FLUSH): send it whole
	}
	if err != nil {
		s.redisFailed(w.c, "set", err)
	}
}

// stampArgs is the ARGV of stampScript.
func stampArgs() []any { return []any{strconv.FormatInt(stampTTL.Milliseconds(), 10)} }
