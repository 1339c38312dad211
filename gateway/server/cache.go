package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// cached is what a prepared operation keeps for the response cache.
type cached struct {
	key    string               // cache.OperationKey of a cacheable query: its normalised form and labels
	keyed  *operation.Operation // planned: op plus entity keys when its response is tagged
	policy cache.Policy
}

// newCache builds the cache when it is configured, with the entity cache around the
// subgraph transport.
func newCache(cfg *cache.Config, sg *supergraph.Supergraph, subgraphs execute.Subgraphs) (*cache.Cache, execute.Subgraphs) {
	if cfg == nil {
		return nil, subgraphs
	}
	c := cache.New(sg, *cfg)
	return c, c.Subgraphs(subgraphs)
}

// CacheStats returns the response cache's counters (zero when the cache is off).
func (g *Gateway) CacheStats() cache.Stats {
	if g.cache == nil {
		return cache.Stats{}
	}
	return g.cache.Stats()
}

// cachePlan decides what to plan: responses that are stored (cacheable queries) or purge
// (mutations) also fetch the __typename and key of each entity, to learn their tags.
func (g *Gateway) cachePlan(op *operation.Operation, labels map[string]bool) cached {
	c := cached{keyed: op}
	if g.cache == nil {
		return c
	}
	c.policy = g.cache.Policy(op)
	if op.Kind == ast.Mutation || c.policy.Cacheable() {
		c.keyed = g.cache.Tags.WithKeys(op)
	}
	if c.policy.Cacheable() {
		c.key = cache.OperationKey(op, labels)
	}
	return c
}

// runCached answers a prepared and admitted query from the response cache, or runs it and
// stores the response; a mutation runs, then purges the entities its response names. It
// reports false for what the cache leaves to the usual path: no cache, an uncacheable
// operation.
func (g *Gateway) runCached(ctx context.Context, media string, prep *prepared, vars map[string]any) (reply, bool) {
	if g.cache == nil || len(prep.intro) > 0 || (prep.op.Kind != ast.Mutation && !prep.policy.Cacheable()) {
		return reply{}, false
	}
	op := *prep.keyed
	op.Variables = vars
	run := func(ctx context.Context) *execute.Response {
		resp := g.exec.Execute(ctx, prep.plan, &op, nil)
		g.maskErrors(resp)
		return resp
	}
	if op.Kind == ast.Mutation {
		resp := run(cache.BypassReads(ctx))
		if tags, _ := g.cache.Tags.Collect(prep.op, resp.Data); len(tags) > 0 {
			if err := g.cache.Store.PurgeRelated(ctx, tags...); err != nil {
				g.log.Warn("response cache: purge after mutation failed", "err", err, "tags", tags)
			}
		}
		return reply{status: http.StatusOK, media: media, body: resp.AppendJSON(getBuffer()), pooled: true,
			code: responseCode(resp), operation: prep.op.Name}, true
	}
	caller := ""
	if prep.policy.Scope == cache.Private {
		if caller = g.cache.Caller(ctx); caller == "" {
			return reply{}, false
		}
	}
	key, ok := cache.Key(prep.key, vars, caller)
	if !ok {
		return reply{}, false
	}
	res := g.cache.Responses.Serve(ctx, key, prep.policy, func(ctx context.Context) cache.Computed {
		resp := run(ctx)
		tags, nested := g.cache.Tags.Collect(prep.op, resp.Data)
		return cache.Computed{Body: resp.AppendJSON(nil), Tags: tags, Nested: nested,
			OK: len(resp.Errors) == 0 && resp.Data != nil}
	})
	if res.Body == nil {
		return reply{}, false
	}
	return reply{status: http.StatusOK, media: media, body: res.Body, cacheControl: res.CacheControl(), etag: res.ETag,
		operation: prep.op.Name}, true
}

// writeReply writes a reply; with the cache on, a successful GET carries Cache-Control and a
// strong ETag, and a matching If-None-Match gets 304 with no body. POST responses get no
// caching headers: HTTP caches do not store them.
func (g *Gateway) writeReply(w http.ResponseWriter, r *http.Request, rep reply) {
	if g.cache != nil && r.Method == http.MethodGet && rep.status == http.StatusOK {
		etag := rep.etag
		if etag == "" {
			etag = cache.ETag(rep.body)
		}
		cc := rep.cacheControl
		if cc == "" {
			cc = "no-store"
		}
		w.Header().Set("Cache-Control", cc)
		w.Header().Set("ETag", etag)
		if strings.HasPrefix(cc, "private") {
			w.Header().Set("Vary", "Authorization")
		}
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	rep.write(w)
}

// etagMatches applies If-None-Match: a list of entity tags or "*"; weak comparison, as
// RFC 9110 asks for this header.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
