package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"
)

// twoReplicas are two stores on one Redis prefix, neither listening for purges: what keeps a
// purged value out of Redis must then be Redis itself, not a replica's memory of purges.
func twoReplicas(t *testing.T) (writer, purger *Store, rdb *redis.Client) {
	rdb = redistest.Client(t)
	prefix := redistest.Prefix(t, rdb, "cache-write")
	writer = NewStore(Options{Redis: rdb, Prefix: prefix, RedisTimeout: 2 * time.Second})
	purger = NewStore(Options{Redis: rdb, Prefix: prefix, RedisTimeout: 2 * time.Second})
	return writer, purger, rdb
}

func testEntry(tag string) *Entry {
	return &Entry{Body: []byte(`{"data":{}}`), Tags: []string{tag}, Stored: time.Now(), MaxAge: time.Minute}
}

func inRedis(t *testing.T, s *Store, rdb *redis.Client, key, tag string) (entry, member bool) {
	t.Helper()
	ctx := context.Background()
	n, err := rdb.Exists(ctx, s.entryKey(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	member, err = rdb.SIsMember(ctx, s.tagKey(tag), s.entryKey(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n == 1, member
}

// afterRedisClock waits until Redis's clock (µs) has passed the purges done so far, so a
// lookup that follows is later than them.
func afterRedisClock(t *testing.T, rdb *redis.Client) {
	t.Helper()
	start, err := rdb.Time(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for {
		now, err := rdb.Time(context.Background()).Result()
		if err != nil {
			t.Fatal(err)
		}
		if now.UnixMicro() > start.UnixMicro() {
			return
		}
	}
}

// TestPurgeBetweenLookupAndWrite interleaves a miss and another replica's purge of its tag:
// lookup, purge, then the background write. The write must store nothing in Redis.
func TestPurgeBetweenLookupAndWrite(t *testing.T) {
	writer, purger, rdb := twoReplicas(t)
	ctx := t.Context()
	const key, tag = "r:raced", "Product:p1"
	e, since := writer.get(ctx, &writer.responses, key)
	if e != nil || since == 0 {
		t.Fatalf("lookup = %v, since %d; want a miss with Redis's clock", e, since)
	}
	if err := purger.Purge(ctx, tag); err != nil {
		t.Fatal(err)
	}
	writer.set(ctx, &writer.responses, []string{key}, []*Entry{testEntry(tag)}, nil, since)
	writer.Wait()
	entry, member := inRedis(t, writer, rdb, key, tag)
	if entry || member {
		t.Fatalf("after a purge between lookup and write: entry %v, tag member %v; want neither", entry, member)
	}
	if got, _ := writer.get(ctx, &writer.responses, key); got == nil {
		t.Fatal("the in-process tier lost the value (only Redis must refuse it)")
	}

	// a purge before the lookup does not stop the write of a value computed after it
	afterRedisClock(t, rdb)
	const later = "r:later"
	_, since = writer.get(ctx, &writer.responses, later)
	writer.set(ctx, &writer.responses, []string{later}, []*Entry{testEntry(tag)}, nil, since)
	writer.Wait()
	if entry, member := inRedis(t, writer, rdb, later, tag); !entry || !member {
		t.Fatalf("a value looked up after the purge: entry %v, tag member %v; want both", entry, member)
	}

	// and the write's own tag set lets the next purge find it
	if err := purger.Purge(ctx, tag); err != nil {
		t.Fatal(err)
	}
	if entry, _ := inRedis(t, writer, rdb, later, tag); entry {
		t.Fatal("a purge after the write left the entry in Redis")
	}
}

// TestPurgeRacingWrites runs misses and purges of one tag concurrently; every entry left in
// Redis at the end must have been looked up after the last purge's stamp (so it was computed
// after it), and every write must be accounted for.
func TestPurgeRacingWrites(t *testing.T) {
	writer, purger, rdb := twoReplicas(t)
	ctx := t.Context()
	const tag = "Product:hot"
	const n = 200
	sinces := make([]int64, n)
	var wg sync.WaitGroup
	var purges atomic.Int64
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := purger.Purge(ctx, tag); err != nil {
				t.Error(err)
				return
			}
			purges.Add(1)
		}
	}()
	for i := range n {
		key := "r:" + string(rune('a'+i%26)) + time.Duration(i).String()
		_, sinces[i] = writer.get(ctx, &writer.responses, key)
		writer.set(ctx, &writer.responses, []string{key}, []*Entry{testEntry(tag)}, nil, sinces[i])
	}
	writer.Wait()
	close(stop)
	wg.Wait()
	if purges.Load() == 0 {
		t.Fatal("no purge ran alongside the writes")
	}
	last, err := rdb.Get(ctx, writer.stampKey(tag)).Int64()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		key := "r:" + string(rune('a'+i%26)) + time.Duration(i).String()
		if entry, _ := inRedis(t, writer, rdb, key, tag); entry && sinces[i] <= last {
			t.Fatalf("entry %s looked up at %d survived the purge stamped %d", key, sinces[i], last)
		}
	}
	st := writer.Stats().Responses
	if st.RedisErrors != 0 {
		t.Fatalf("redis errors: %d", st.RedisErrors)
	}
}

// TestLookupIsOneRoundTrip counts what a lookup that misses both tiers sends to Redis: one
// pipeline (the GET and Redis's clock).
func TestLookupIsOneRoundTrip(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb, "cache-write")
	var trips, cmds atomic.Int64
	rdb.AddHook(countHook{trips: &trips, cmds: &cmds})
	s := NewStore(Options{Redis: rdb, Prefix: prefix, RedisTimeout: 2 * time.Second})
	s.get(t.Context(), &s.responses, "r:warm") // the connection's handshake is not the lookup's
	trips.Store(0)
	cmds.Store(0)
	e, since := s.get(t.Context(), &s.responses, "r:absent")
	if e != nil || since == 0 {
		t.Fatalf("lookup = %v, since %d; want a miss with Redis's clock", e, since)
	}
	if trips.Load() != 1 || cmds.Load() != 2 {
		t.Fatalf("lookup: %d round trips, %d commands; want 1 and 2", trips.Load(), cmds.Load())
	}
}

type countHook struct{ trips, cmds *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.trips.Add(1)
		h.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.trips.Add(1)
		h.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}
