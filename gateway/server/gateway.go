// Package server serves the federated graph over HTTP (GraphQL over HTTP:
// POST JSON, GET for queries, /health) and wires the pipeline stages:
// operation -> plan -> execute -> transport.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/graphiql"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/persisted"
	"github.com/shopgraph/shopgraph/gateway/plan"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
	"github.com/shopgraph/shopgraph/gateway/transport"
)

// Config configures the gateway.
type Config struct {
	SupergraphPath string
	// SupergraphSDL is used instead of reading SupergraphPath when set.
	SupergraphSDL string
	ListenAddr    string
	Limits        operation.Limits
	PlanCacheSize int
	// ForwardHeaders names client headers passed on to subgraphs besides Authorization and
	// the trace context.
	ForwardHeaders []string
	// DisableDedupe turns off in-flight dedupe: of identical subgraph queries, and of
	// identical client queries from the same caller.
	DisableDedupe   bool
	SubgraphTimeout time.Duration
	// RequestTimeout bounds a whole client request (default 60s).
	RequestTimeout time.Duration
	// InProcess serves the named subgraphs by calling the handlers directly.
	InProcess map[string]http.Handler
	// Subgraphs replaces the subgraph transport entirely (tests, benchmarks).
	Subgraphs execute.Subgraphs
	// ActiveLabel decides whether a progressive @override label is active for
	// a request. By default "percent(x)" labels are active x% of the time
	// and other labels never.
	ActiveLabel func(ctx context.Context, label string) bool
	// SubgraphHeaders, when set, is called for every client request and
	// returns headers to send to all subgraphs for it (identity headers the
	// gateway signs, for instance). An error refuses the request with 401
	// and extensions.code UNAUTHENTICATED.
	SubgraphHeaders func(r *http.Request) (http.Header, error)
	Logger          *slog.Logger
	// Persisted configures APQ and trusted documents; the zero value keeps
	// APQ registrations in process and lets every client send query text.
	Persisted persisted.Options
	// Storefront is the policy of /graphql: quota, cost ceiling, introspection, masking.
	// The zero value adds nothing to Limits.
	Storefront Policy
	// Partner, when set, serves /partner/graphql for callers with an API key (see policy.go).
	Partner *PartnerConfig
	// Cache turns on the response and entity cache (nil: off).
	Cache *cache.Config
	// Telemetry configures metrics (/metrics) and traces; GraphiQL the IDE (/graphiql).
	Telemetry telemetry.Options
	GraphiQL  graphiql.Options
	// MetricsListen, when set, keeps /metrics off the public routes: the caller serves
	// MetricsHandler on that (private) address instead.
	MetricsListen string
}

// Gateway is the federated GraphQL endpoint.
type Gateway struct {
	sg      *supergraph.Supergraph
	exec    *execute.Executor
	plans   *plan.Cache[*prepared]
	docs    *plan.Cache[*parsedDoc]
	limits  operation.Limits
	log     *slog.Logger
	label   func(ctx context.Context, label string) bool
	extra   func(r *http.Request) (http.Header, error)
	inbound *inbound // nil when dedupe is off
	forward []string
	// timeout bounds each client request.
	timeout time.Duration
	// persisted resolves APQ hashes and trusted documents to query text.
	persisted *persisted.Documents
	policy    *endpoint    // nil: nothing beyond the limits
	partner   *Gateway     // the partner endpoint, nil when off
	cache     *cache.Cache // nil when off
	bodies    *bodies      // recent request bodies, decoded
	edge
}

type prepared struct {
	op   *operation.Operation
	plan *plan.Plan
	// intro holds raw introspection root fields to answer locally.
	intro []*operation.Field
	cached
}

// New builds a Gateway from the configuration.
func New(cfg Config) (*Gateway, error) {
	sdl := cfg.SupergraphSDL
	if sdl == "" {
		b, err := os.ReadFile(cfg.SupergraphPath)
		if err != nil {
			return nil, fmt.Errorf("read supergraph: %w", err)
		}
		sdl = string(b)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		return nil, err
	}
	subgraphs := cfg.Subgraphs
	if subgraphs == nil {
		urls := map[string]string{}
		for _, g := range sg.Graphs {
			urls[g.Name] = g.URL
		}
		t := transport.New(urls, transport.Options{Timeout: cfg.SubgraphTimeout})
		for name, h := range cfg.InProcess {
			t.InProcess(name, h)
		}
		subgraphs = t
	}
	tel := telemetry.New(cfg.Telemetry)
	subgraphs = tel.Subgraphs(subgraphs)
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	responses, subgraphs := newCache(cfg.Cache, sg, subgraphs)
	exec := execute.New(sg, subgraphs, execute.Options{
		DisableDedupe: cfg.DisableDedupe,
		DedupeKey:     transport.HeaderSignature,
		Shared:        sharedCounter(tel, telemetry.LevelSubgraph),
	})
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	label := cfg.ActiveLabel
	if label == nil {
		label = percentLabel
	}
	popts := cfg.Persisted
	if popts.Logger == nil {
		popts.Logger = log
	}
	docs, err := persisted.New(popts)
	if err != nil {
		return nil, err
	}
	g := &Gateway{sg: sg, exec: exec, plans: plan.NewCache[*prepared](cfg.PlanCacheSize), docs: plan.NewCache[*parsedDoc](cfg.PlanCacheSize), limits: cfg.Limits, log: log, label: label, extra: cfg.SubgraphHeaders, timeout: timeout, inbound: newInbound(!cfg.DisableDedupe, sharedCounter(tel, telemetry.LevelClient)), forward: cfg.ForwardHeaders, persisted: docs, cache: responses, bodies: &bodies{}}
	g.edge = newEdge(g, tel, cfg.GraphiQL)
	g.edge.metricsElsewhere = cfg.MetricsListen != ""
	if err := g.setPolicies(cfg, sdl); err != nil {
		_ = docs.Close()
		return nil, err
	}
	return g, nil
}

// Close stops the gateway's background work (watching manifests).
func (g *Gateway) Close() error {
	return g.persisted.Close()
}

// NewHandler returns the gateway's HTTP handler (/graphql and /health).
func NewHandler(cfg Config) (http.Handler, error) {
	g, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return g.Routes(), nil
}

// Run serves the gateway on cfg.ListenAddr until ctx is done.
func Run(ctx context.Context, cfg Config) error {
	g, err := New(cfg)
	if err != nil {
		return err
	}
	defer g.Close()
	h := g.Routes()
	addr := cfg.ListenAddr
	if addr == "" {
		addr = ":4000"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// Routes returns the HTTP routes of the gateway.
func (g *Gateway) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("/graphql", g)
	if g.partner != nil {
		mux.Handle("/partner/graphql", g.partner)
	}
	mux.Handle("/", g)
	g.Mount(mux)
	return mux
}

// Execute runs one GraphQL request.
func (g *Gateway) Execute(ctx context.Context, req operation.Request) (*execute.Response, *operation.Error) {
	resp, _, oerr := g.execute(ctx, req)
	return resp, oerr
}

// execute runs one GraphQL request and also names its operation (for metrics), when valid.
func (g *Gateway) execute(ctx context.Context, req operation.Request) (*execute.Response, string, *operation.Error) {
	prep, vars, oerr := g.prepare(ctx, req)
	if oerr != nil {
		return nil, "", oerr
	}
	if oerr := g.admitOperation(ctx, prep, vars); oerr != nil {
		return nil, prep.op.Name, oerr
	}
	return g.executePrepared(ctx, prep, vars), prep.op.Name, nil
}

// executePrepared runs a prepared and admitted operation with its coerced variables.
func (g *Gateway) executePrepared(ctx context.Context, prep *prepared, vars map[string]any) *execute.Response {
	op := *prep.op
	op.Variables = vars
	var root map[string]any
	if len(prep.intro) > 0 {
		root = map[string]any{}
		for _, f := range prep.intro {
			root[f.ResponseKey] = operation.Introspect(g.sg.API, f, vars)
		}
	}
	ctx, span := g.tel.Start(ctx, telemetry.SpanExecute)
	resp := g.exec.Execute(ctx, prep.plan, &op, root)
	span.End("")
	g.maskErrors(resp)
	return resp
}

// prepare parses, validates, normalises and plans, using the plan cache. It
// returns the plan and the coerced variables of this request.
func (g *Gateway) prepare(ctx context.Context, req operation.Request) (*prepared, map[string]any, *operation.Error) {
	_, span := g.tel.Start(ctx, telemetry.SpanParse)
	parsed, oerr := g.parse(req)
	span.End(errCode(oerr))
	if oerr != nil {
		return nil, nil, oerr
	}
	_, span = g.tel.Start(ctx, telemetry.SpanPlan)
	prep, vars, hit, oerr := g.plan(ctx, req, parsed)
	span.CacheHit(hit)
	span.End(errCode(oerr))
	return prep, vars, oerr
}

// plan coerces the variables and finds or builds the plan.
func (g *Gateway) plan(ctx context.Context, req operation.Request, parsed *parsedDoc) (prep *prepared, vars map[string]any, hit bool, oerr *operation.Error) {
	if parsed.Op.Operation == ast.Subscription {
		return nil, nil, false, &operation.Error{Code: "SUBSCRIPTIONS_NOT_SUPPORTED", Message: "subscriptions are not supported"}
	}
	vars, oerr = parsed.Coerce(g.sg.API, req.Variables)
	if oerr != nil {
		return nil, nil, false, oerr
	}
	var labels map[string]bool
	for _, l := range g.sg.OverrideLabels {
		if g.label(ctx, l) {
			if labels == nil {
				labels = map[string]bool{}
			}
			labels[l] = true
		}
	}
	key := cacheKey(req, parsed, vars, labels)
	get := g.plans.Get
	if len(req.Query) > maxCachedQuery {
		get = func(_ string, build func() (*prepared, error)) (*prepared, error) { return g.plans.Build(build) }
	}
	hit = true
	prep, err := get(key, func() (*prepared, error) {
		hit = false
		op, err := operation.Normalize(g.sg.API, parsed.Doc, parsed.Op, vars)
		if err != nil {
			return nil, &operation.Error{Code: operation.CodeBadUserInput, Message: err.Error()}
		}
		c := g.cachePlan(op, labels)
		p, err := plan.BuildWith(g.sg, c.keyed, plan.Options{Labels: labels})
		if err != nil {
			g.log.Warn("query planning failed", "err", err)
			return nil, &operation.Error{Code: "QUERY_PLANNING_FAILED", Message: err.Error()}
		}
		out := &prepared{op: op, plan: p, cached: c}
		for _, f := range op.Selection.ByType[op.RootType] {
			if f.Name == "__schema" || f.Name == "__type" {
				out.intro = append(out.intro, f)
			}
		}
		return out, nil
	})
	g.tel.PlanCache(telemetry.CachePlan, hit)
	if err != nil {
		var oe *operation.Error
		if errors.As(err, &oe) {
			return nil, nil, hit, oe
		}
		return nil, nil, hit, &operation.Error{Code: "INTERNAL_SERVER_ERROR", Message: "internal server error"}
	}
	return prep, vars, hit, nil
}

// maxCachedQuery is the longest document whose parse and plan are cached, so
// a stream of huge distinct documents cannot fill memory.
const maxCachedQuery = 64 << 10

// parsedDoc is a parsed, validated document and the variables that decide
// its @skip/@include, kept so repeated documents skip parsing and validation.
type parsedDoc struct {
	*operation.Prepared
	conditions []string
}

func (g *Gateway) parse(req operation.Request) (*parsedDoc, *operation.Error) {
	get := g.docs.Get
	if len(req.Query) > maxCachedQuery {
		get = func(_ string, build func() (*parsedDoc, error)) (*parsedDoc, error) { return g.docs.Build(build) }
	}
	hit := true
	doc, err := get(req.OperationName+"\x00"+req.Query, func() (*parsedDoc, error) {
		hit = false
		p, oerr := operation.Parse(g.sg.API, req.Query, req.OperationName, g.limits)
		if oerr != nil {
			return nil, oerr
		}
		conds := operation.ConditionVariables(p.Doc)
		sort.Strings(conds)
		return &parsedDoc{Prepared: p, conditions: conds}, nil
	})
	g.tel.PlanCache(telemetry.CacheDocument, hit)
	if err != nil {
		var oe *operation.Error
		if errors.As(err, &oe) {
			return nil, oe
		}
		return nil, &operation.Error{Code: "INTERNAL_SERVER_ERROR", Message: "internal server error"}
	}
	return doc, nil
}

// cacheKey identifies a plan: the document, the operation and the values of
// the variables that decide @skip/@include.
func cacheKey(req operation.Request, parsed *parsedDoc, vars map[string]any, labels map[string]bool) string {
	h := sha256.New()
	h.Write([]byte(req.Query))
	h.Write([]byte{0})
	h.Write([]byte(req.OperationName))
	for _, n := range parsed.conditions {
		b, _ := json.Marshal(vars[n])
		h.Write([]byte{0})
		h.Write([]byte(n))
		h.Write(b)
	}
	active := make([]string, 0, len(labels))
	for l := range labels {
		active = append(active, l)
	}
	sort.Strings(active)
	for _, l := range active {
		h.Write([]byte{1})
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// percentLabel makes "percent(x)" labels active for x% of requests.
func percentLabel(_ context.Context, label string) bool {
	if !strings.HasPrefix(label, "percent(") || !strings.HasSuffix(label, ")") {
		return false
	}
	pct, err := strconv.ParseFloat(label[len("percent("):len(label)-1], 64)
	if err != nil {
		return false
	}
	return rand.Float64()*100 < pct
}
