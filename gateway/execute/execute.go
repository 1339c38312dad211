// Package execute runs a plan against subgraphs: fetches in dependency order,
// entity batching, merging, null propagation and error paths. It knows
// nothing of the HTTP server.
package execute

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/shopgraph/shopgraph/gateway/inflight"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/plan"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// Subgraphs sends one GraphQL request body to a subgraph and returns the
// response body. The executor keeps strings that point into the returned
// body: it must not be changed afterwards.
type Subgraphs interface {
	Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error)
}

// Options tune an Executor.
type Options struct {
	// DisableDedupe turns off sharing of identical in-flight subgraph queries.
	DisableDedupe bool
	// DedupeKey adds request-scoped data (forwarded headers) to the
	// in-flight dedupe key.
	DedupeKey func(ctx context.Context) string
	// Shared, when set, is called for each fetch answered by an identical one in flight.
	Shared func()
}

// Executor runs plans.
type Executor struct {
	sg        *supergraph.Supergraph
	subgraphs Subgraphs
	opts      Options
	inflight  *inflight.Group[[]byte]
}

// New returns an Executor.
func New(sg *supergraph.Supergraph, subgraphs Subgraphs, opts Options) *Executor {
	e := &Executor{sg: sg, subgraphs: subgraphs, opts: opts}
	if !opts.DisableDedupe {
		e.inflight = &inflight.Group[[]byte]{Shared: opts.Shared}
	}
	return e
}

// Error is a GraphQL error in a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Response is a GraphQL response; Data is nil when it is null.
type Response struct {
	Data   any      `json:"data"`
	Errors []*Error `json:"errors,omitempty"`
}

type run struct {
	e    *Executor
	p    *plan.Plan
	op   *operation.Operation
	mu   sync.Mutex
	data map[string]any
	errs []*Error
}

// Execute runs the plan. root holds values already known for root fields
// (introspection), merged before completion.
func (e *Executor) Execute(ctx context.Context, p *plan.Plan, op *operation.Operation, root map[string]any) *Response {
	r := &run{e: e, p: p, op: op, data: map[string]any{}}
	for k, v := range root {
		r.data[k] = v
	}
	done := make([]chan struct{}, len(p.Fetches))
	for i := range done {
		done[i] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for i, f := range p.Fetches {
		wg.Add(1)
		go func(i int, f *plan.Fetch) {
			defer wg.Done()
			defer close(done[i])
			defer func() {
				if v := recover(); v != nil {
					r.fail(f, fmt.Errorf("panic: %v", v))
				}
			}()
			for _, d := range f.DependsOn {
				select {
				case <-done[d]:
				case <-ctx.Done():
					return
				}
			}
			r.fetch(ctx, f)
		}(i, f)
	}
	wg.Wait()
	data, errs := complete(e.sg, op, r.data, r.errs)
	return &Response{Data: data, Errors: errs}
}

type subgraphResponse struct {
	Data   map[string]any
	Errors []*Error
}

// decodeResponse reads a subgraph's GraphQL response.
func decodeResponse(raw []byte) (*subgraphResponse, error) {
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("response is not an object")
	}
	resp := &subgraphResponse{}
	resp.Data, _ = m["data"].(map[string]any)
	list, _ := m["errors"].([]any)
	for _, e := range list {
		em, _ := e.(map[string]any)
		if em == nil {
			continue
		}
		gerr := &Error{}
		gerr.Message, _ = em["message"].(string)
		gerr.Path, _ = em["path"].([]any)
		gerr.Extensions, _ = em["extensions"].(map[string]any)
		resp.Errors = append(resp.Errors, gerr)
	}
	return resp, nil
}

// partItems are the objects one _entities field of an entity fetch reads.
type partItems struct {
	items []item
	repOf []int  // item index -> representation index
	reps  []byte // the representations, comma-separated
	n     int    // representations
	paths bool   // items carry their response paths
}

// findPaths gives the items their response paths, walking the targets again;
// an item that is no longer where it was keeps none.
func (p *partItems) findPaths(data map[string]any, pt *plan.Part) {
	p.paths = true
	var again []item
	for _, t := range pt.Targets {
		again = collect(data, t.Path, again, true)
	}
	if len(again) != len(p.items) {
		return
	}
	for i := range again {
		if reflect.ValueOf(again[i].obj).UnsafePointer() == reflect.ValueOf(p.items[i].obj).UnsafePointer() {
			p.items[i].path = again[i].path
		}
	}
}

func (r *run) fetch(ctx context.Context, f *plan.Fetch) {
	var parts []partItems
	if f.Entity {
		parts = make([]partItems, len(f.Parts))
		total := 0
		r.mu.Lock()
		var scratch []byte
		for pi, pt := range f.Parts {
			p := &parts[pi]
			seen := map[string]int{}
			for _, t := range pt.Targets {
				start := len(p.items)
				p.items = collect(r.data, t.Path, p.items, false)
				for _, it := range p.items[start:] {
					idx := -1
					var ok bool
					if scratch, ok = appendRepresentation(scratch[:0], t.Reps, it.obj); ok {
						if idx, ok = seen[string(scratch)]; !ok {
							idx = len(seen)
							seen[string(scratch)] = idx
							if idx > 0 {
								p.reps = append(p.reps, ',')
							}
							p.reps = append(p.reps, scratch...)
						}
					}
					p.repOf = append(p.repOf, idx)
				}
			}
			p.n = len(seen)
			total += p.n
		}
		r.mu.Unlock()
		if total == 0 {
			return
		}
	}
	body, err := r.requestBody(f, parts)
	if err != nil {
		r.fail(f, fmt.Errorf("encode request: %w", err))
		return
	}
	raw, err := r.e.send(ctx, f, body)
	if err != nil {
		r.fail(f, err)
		return
	}
	resp, err := decodeResponse(raw)
	if err != nil {
		r.fail(f, fmt.Errorf("decode response: %w", err))
		return
	}
	f.Restore(resp.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !f.Entity {
		mergeObject(r.e.sg, r.data, resp.Data)
		for _, e := range resp.Errors {
			r.errs = append(r.errs, subgraphError(f, e, e.Path))
		}
		return
	}
	for pi, pt := range f.Parts {
		p := &parts[pi]
		entities, _ := resp.Data[pt.Key].([]any)
		for i, it := range p.items {
			idx := p.repOf[i]
			if idx < 0 || idx >= len(entities) {
				continue
			}
			if ent, ok := entities[idx].(map[string]any); ok {
				mergeObject(r.e.sg, it.obj, ent)
			}
		}
	}
	for _, e := range resp.Errors {
		if len(e.Path) >= 2 {
			if key, ok := e.Path[0].(string); ok && r.entityError(f, parts, key, e) {
				continue
			}
		}
		r.errs = append(r.errs, subgraphError(f, e, nil))
	}
}

// entityError records an error under _entities (or an aliased _entities of
// another part) at the paths of the objects it is about.
func (r *run) entityError(f *plan.Fetch, parts []partItems, key string, e *Error) bool {
	for pi, pt := range f.Parts {
		if pt.Key != key {
			continue
		}
		idx, ok := pathIndex(e.Path[1])
		if !ok {
			return false
		}
		mapped := false
		p := &parts[pi]
		if !p.paths {
			p.findPaths(r.data, pt)
		}
		for i, it := range p.items {
			if p.repOf[i] == idx && it.path != nil {
				path := append(it.path.slice(), e.Path[2:]...)
				r.errs = append(r.errs, subgraphError(f, e, path))
				mapped = true
			}
		}
		return mapped
	}
	return false
}

// requestBody writes the subgraph request: the query, the client variables
// it uses and, for entity fetches, the representations.
func (r *run) requestBody(f *plan.Fetch, parts []partItems) ([]byte, error) {
	size := len(f.Query) + 64
	for i := range parts {
		size += len(parts[i].reps) + 32
	}
	b := make([]byte, 0, size)
	b = append(b, `{"query":`...)
	b = appendString(b, f.Query)
	first := true
	field := func(name string) {
		if first {
			b = append(b, `,"variables":{`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
	}
	for i, pt := range f.Parts {
		field(pt.Var)
		b = append(b, '[')
		b = append(b, parts[i].reps...)
		b = append(b, ']')
	}
	for _, name := range f.Variables {
		val, ok := r.op.Variables[name]
		if !ok {
			continue
		}
		vb, err := json.Marshal(val)
		if err != nil {
			return nil, err
		}
		field(name)
		b = append(b, vb...)
	}
	if !first {
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func pathIndex(v any) (int, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case float64:
		return int(n), true
	}
	return 0, false
}

func subgraphError(f *plan.Fetch, e *Error, path []any) *Error {
	out := &Error{Message: e.Message, Path: path, Extensions: map[string]any{}}
	for k, v := range e.Extensions {
		out.Extensions[k] = v
	}
	if _, ok := out.Extensions["code"]; !ok {
		out.Extensions["code"] = "DOWNSTREAM_SERVICE_ERROR"
	}
	out.Extensions["serviceName"] = f.Subgraph
	return out
}

func (r *run) fail(f *plan.Fetch, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, &Error{
		Message:    fmt.Sprintf("request to subgraph %q failed", f.Subgraph),
		Extensions: map[string]any{"code": "SUBGRAPH_REQUEST_FAILED", "serviceName": f.Subgraph},
	})
	_ = err
}

func (e *Executor) send(ctx context.Context, f *plan.Fetch, body []byte) ([]byte, error) {
	if e.inflight == nil || f.Mutation {
		return e.subgraphs.Fetch(ctx, f.Subgraph, body)
	}
	key := f.Subgraph + "\x00" + string(body)
	if e.opts.DedupeKey != nil {
		key += "\x00" + e.opts.DedupeKey(ctx)
	}
	return e.inflight.Do(ctx, key, func(ctx context.Context) ([]byte, error) {
		return e.subgraphs.Fetch(ctx, f.Subgraph, body)
	})
}
