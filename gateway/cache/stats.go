package cache

import "sync/atomic"

// Counts are the lookups of one kind of cached value (responses or entities), per tier.
type Counts struct {
	LocalHits   uint64 // answered from the in-process tier
	LocalMisses uint64
	RedisHits   uint64 // answered from Redis after an in-process miss
	RedisMisses uint64
	Stale       uint64 // served past maxAge because the subgraphs failed
	Stores      uint64 // values written
	RedisErrors uint64 // Redis calls that failed; the request went on without Redis
	// WritesDropped are Redis writes after a miss not made because Options.Writers were busy.
	WritesDropped uint64
}

// Stats is a snapshot of the cache's counters, for metrics.
type Stats struct {
	Responses Counts
	Entities  Counts
	Purges    uint64 // purge messages applied in this process (own and other replicas')
	// LocalBytes is the weight of the in-process tier.
	LocalBytes uint64
}

type counters struct {
	localHits, localMisses, redisHits, redisMisses, stale, stores, redisErrors, writesDropped atomic.Uint64
}

func (c *counters) snapshot() Counts {
	return Counts{
		LocalHits: c.localHits.Load(), LocalMisses: c.localMisses.Load(),
		RedisHits: c.redisHits.Load(), RedisMisses: c.redisMisses.Load(),
		Stale: c.stale.Load(), Stores: c.stores.Load(), RedisErrors: c.redisErrors.Load(),
		WritesDropped: c.writesDropped.Load(),
	}
}
