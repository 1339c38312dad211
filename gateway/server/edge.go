package server

import (
	"net/http"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/graphiql"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
)

// edge is what the gateway adds around GraphQL over HTTP: telemetry and the GraphiQL IDE.
type edge struct {
	tel     *telemetry.Telemetry // nil when disabled
	ide     *graphiql.IDE        // nil when disabled
	graphql http.Handler         // serveGraphQL, observed
	// metricsElsewhere keeps /metrics off the public routes (Config.MetricsListen).
	metricsElsewhere bool
}

func newEdge(g *Gateway, tel *telemetry.Telemetry, ide graphiql.Options) edge {
	if g.cache != nil {
		tel.ReadCacheStats(func() telemetry.CacheStats { return cacheStats(g.cache.Stats()) })
	}
	return edge{tel: tel, ide: graphiql.New(ide), graphql: tel.Wrap("graphql", http.HandlerFunc(g.serveGraphQL))}
}

// forEndpoint is the edge of another endpoint of the same gateway (the partner endpoint, a copy
// of g): the same telemetry under its own endpoint label, without the IDE.
func (e edge) forEndpoint(g *Gateway, name string) edge {
	return edge{tel: e.tel, graphql: e.tel.Wrap(name, http.HandlerFunc(g.serveGraphQL))}
}

// ServeHTTP implements GraphQL over HTTP; a browser opening the URL gets GraphiQL.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.ide != nil && graphiql.WantsPage(r) {
		g.ide.ServePage(w, r)
		return
	}
	g.graphql.ServeHTTP(w, r)
}

// Mount adds the IDE (/graphiql) and the metrics (/metrics) to mux, each unless disabled.
func (g *Gateway) Mount(mux *http.ServeMux) {
	if g.ide != nil {
		mux.Handle(g.ide.Path(), g.ide)
		mux.Handle(g.ide.Path()+"/", g.ide)
	}
	if g.tel != nil && !g.metricsElsewhere {
		mux.Handle("GET /metrics", g.tel.Handler())
	}
}

// MetricsHandler serves the Prometheus metrics, or is nil when telemetry is off. Mount serves it
// at /metrics unless Config.MetricsListen moves it elsewhere.
func (g *Gateway) MetricsHandler() http.Handler {
	if g.tel == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", g.tel.Handler())
	return mux
}

// Telemetry is the gateway's telemetry (nil when disabled), for the stages that report to it:
// the response cache and quotas.
func (g *Gateway) Telemetry() *telemetry.Telemetry { return g.tel }

func cacheStats(s cache.Stats) telemetry.CacheStats {
	counts := func(c cache.Counts) telemetry.CacheCounts {
		return telemetry.CacheCounts{LocalHits: c.LocalHits, LocalMisses: c.LocalMisses, RedisHits: c.RedisHits,
			RedisMisses: c.RedisMisses, Stale: c.Stale, RedisErrors: c.RedisErrors}
	}
	return telemetry.CacheStats{Responses: counts(s.Responses), Entities: counts(s.Entities), Purges: s.Purges, LocalBytes: s.LocalBytes}
}

// sharedCounter counts dedupe shares at one level, or is nil without telemetry.
func sharedCounter(tel *telemetry.Telemetry, level string) func() {
	if tel == nil {
		return nil
	}
	return func() { tel.DedupeShared(level) }
}

func errCode(oerr *operation.Error) string {
	if oerr == nil {
		return ""
	}
	return oerr.Code
}

// responseCode is the code of a response's first error, "" when it has none.
func responseCode(resp *execute.Response) string {
	if len(resp.Errors) == 0 {
		return ""
	}
	if code, ok := resp.Errors[0].Extensions["code"].(string); ok && code != "" {
		return code
	}
	return "ERROR"
}
