package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/shopgraph/shopgraph/gateway/inflight"
	"github.com/shopgraph/shopgraph/gateway/transport"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Status says where a response came from.
type Status uint8

const (
	Bypass Status = iota // not cacheable: run as usual
	Miss                 // computed, and stored when it had no errors
	Hit                  // fresh from a tier
	Stale                // past maxAge, served because computing it again failed
)

// Computed is a response body made for the cache, with the entities it holds.
type Computed struct {
	Body   []byte
	Tags   []string
	Nested map[string]string // entity tag -> the tag of the entity it was found in
	// OK is false when the response had errors: it is served but never stored.
	OK bool
}

// Result is the response to serve and how to describe it to HTTP caches.
type Result struct {
	Body   []byte
	ETag   string
	Status Status
	// MaxAge is what is left of the policy's maxAge (0 for stale or uncacheable answers).
	MaxAge time.Duration
	Scope  Scope
}

// CacheControl is the Cache-Control header for the result of a GET.
func (r Result) CacheControl() string {
	if r.Status == Bypass || (r.Status == Miss && r.ETag == "") {
		return "no-store"
	}
	scope := "public"
	if r.Scope == Private {
		scope = "private"
	}
	return scope + ", max-age=" + strconv.Itoa(int(r.MaxAge/time.Second))
}

// ETag is the strong validator of a body.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Responses caches whole responses of queries.
type Responses struct {
	store *Store
	fills inflight.Group[*fill]
}

type fill struct {
	computed Computed
	entry    *Entry // nil when not stored
}

// NewResponses returns the whole-response layer over store.
func NewResponses(store *Store) *Responses { return &Responses{store: store} }

// Key identifies a response: the operation (OperationKey: its normalised form and the active
// override labels), the coerced variables and, for PRIVATE policies, the caller.
func Key(operationKey string, variables map[string]any, caller string) (string, bool) {
	vars, err := json.Marshal(variables) // map keys are sorted: equal variables, equal bytes
	if err != nil {
		return "", false
	}
	h := sha256.New()
	for _, part := range []string{operationKey, string(vars), caller} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "r:" + hex.EncodeToString(h.Sum(nil)), true
}

// Serve answers from the cache when a fresh response is there; otherwise compute runs once
// for all concurrent callers of key, and its response is stored when it has no errors. When
// compute fails and a stale response is still within StaleFor, that one is served instead.
func (r *Responses) Serve(ctx context.Context, key string, pol Policy, compute func(context.Context) Computed) Result {
	cached, since := r.store.get(ctx, &r.store.responses, key)
	now := r.store.now()
	if cached != nil && cached.Fresh(now) {
		return Result{Body: cached.Body, ETag: cached.ETag, Status: Hit, MaxAge: cached.Remaining(now), Scope: cached.Scope}
	}
	f, err := r.fills.Do(ctx, key, func(ctx context.Context) (*fill, error) {
		// A caller whose lookup was slow (Redis under load) can get here after another
		// caller's fill for the same key ended: what that fill stored is served, not fetched
		// again.
		if e, ok := r.store.local.get(key); ok && e.Fresh(r.store.now()) {
			return &fill{entry: e}, nil
		}
		started := r.store.now()
		c := compute(ctx)
		out := &fill{computed: c}
		if c.OK {
			out.entry = &Entry{Body: c.Body, ETag: ETag(c.Body), Tags: c.Tags, Stored: started, MaxAge: pol.MaxAge, Scope: pol.Scope}
			r.store.set(ctx, &r.store.responses, []string{key}, []*Entry{out.entry}, c.Nested, since)
		}
		return out, nil
	})
	if err != nil { // the computation panicked, or this caller went away
		if cached != nil {
			r.store.responses.stale.Add(1)
			return Result{Body: cached.Body, ETag: cached.ETag, Status: Stale, Scope: cached.Scope}
		}
		return Result{Status: Bypass}
	}
	if f.entry != nil {
		return Result{Body: f.entry.Body, ETag: f.entry.ETag, Status: Miss, MaxAge: pol.MaxAge, Scope: pol.Scope}
	}
	if cached != nil {
		r.store.responses.stale.Add(1)
		return Result{Body: cached.Body, ETag: cached.ETag, Status: Stale, Scope: cached.Scope}
	}
	return Result{Body: f.computed.Body, Status: Miss, Scope: pol.Scope}
}

// Caller identifies who a PRIVATE response belongs to: the customer the gateway verified
// (the signed identity header it sends to subgraphs), else a hash of the Authorization
// header, else nobody ("": PRIVATE responses are not cached for anonymous callers).
func Caller(ctx context.Context) string {
	h := transport.Headers(ctx)
	if h == nil {
		return ""
	}
	if id := h.Get(trust.HeaderCustomer); id != "" {
		return "customer:" + id
	}
	if auth := h.Values("Authorization"); len(auth) > 0 {
		sum := sha256.Sum256([]byte(http.Header{"Authorization": auth}.Get("Authorization")))
		return "auth:" + hex.EncodeToString(sum[:])
	}
	return ""
}
