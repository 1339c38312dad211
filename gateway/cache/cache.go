package cache

import (
	"context"

	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// Config turns the cache on for a gateway.
type Config struct {
	// Store holds the entries; its owner calls Listen so purges reach this process.
	Store *Store
	// Overrides replace the SDL's hints, keyed "Type" or "Type.field".
	Overrides map[string]Hint
	// Caller identifies who a PRIVATE value belongs to (default: Caller).
	Caller func(ctx context.Context) string
	// NoEntities turns the entity-level cache off.
	NoEntities bool
}

// Cache is the response cache of one gateway.
type Cache struct {
	Store     *Store
	Policies  *Policies
	Tags      *Tags
	Responses *Responses
	caller    func(ctx context.Context) string
	entities  bool
}

// New returns the cache of the supergraph's gateway.
func New(sg *supergraph.Supergraph, cfg Config) *Cache {
	store := cfg.Store
	if store == nil {
		store = NewStore(Options{})
	}
	caller := cfg.Caller
	if caller == nil {
		caller = Caller
	}
	return &Cache{Store: store, Policies: NewPolicies(sg, cfg.Overrides), Tags: NewTags(sg),
		Responses: NewResponses(store), caller: caller, entities: !cfg.NoEntities}
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats { return c.Store.Stats() }

// Caller is the owner of PRIVATE values for this request ("" for nobody).
func (c *Cache) Caller(ctx context.Context) string { return c.caller(ctx) }

// Subgraphs wraps the subgraph transport with the entity-level cache (or returns it as is
// when that is off).
func (c *Cache) Subgraphs(next execute.Subgraphs) execute.Subgraphs {
	if !c.entities {
		return next
	}
	return newEntities(c, next)
}

// Policy is the policy of a response to op.
func (c *Cache) Policy(op *operation.Operation) Policy { return c.Policies.Operation(op) }
