package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/shopgraph/shopgraph/gateway/execute"
)

// entities is the entity-level cache: it wraps the subgraph transport and answers the
// representations of an _entities fetch from the cache, one by one, sending only the misses
// to the subgraph. Two different queries that need the same entity fields share them.
type entities struct {
	c    *Cache
	next execute.Subgraphs

	mu      sync.Mutex
	queries map[string]*entityQuery
}

// entityQuery is what an entity fetch's query text tells the cache.
type entityQuery struct {
	policies map[string]Policy // by entity type
}

const maxEntityQueries = 4096

func newEntities(c *Cache, next execute.Subgraphs) *entities {
	return &entities{c: c, next: next, queries: map[string]*entityQuery{}}
}

// entityMarker is in every single-part entity fetch the planner writes.
var entityMarker = []byte(`_entities(representations:$representations)`)

type bypassKey struct{}

// BypassReads makes the entity cache fetch every entity of this request from its subgraph
// (a mutation's response must show what the mutation left, not what was cached before it).
func BypassReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, bypassKey{}, true)
}

func readsBypassed(ctx context.Context) bool {
	v, _ := ctx.Value(bypassKey{}).(bool)
	return v
}

var errBadEntities = errors.New("entity cache: subgraph answered _entities with no data")

type entityRequest struct {
	Query     string                     `json:"query"`
	Variables map[string]json.RawMessage `json:"variables"`
}

type entityResponse struct {
	Data *struct {
		Entities []json.RawMessage `json:"_entities"`
	} `json:"data"`
	Errors []map[string]any `json:"errors"`
}

type typenameOnly struct {
	Typename string `json:"__typename"`
}

// Fetch implements execute.Subgraphs.
func (x *entities) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	if readsBypassed(ctx) || !bytes.Contains(body, entityMarker) || bytes.Contains(body, []byte("$representations_")) {
		return x.next.Fetch(ctx, subgraph, body)
	}
	var req entityRequest
	var reps []json.RawMessage
	if json.Unmarshal(body, &req) != nil || json.Unmarshal(req.Variables["representations"], &reps) != nil || len(reps) == 0 {
		return x.next.Fetch(ctx, subgraph, body)
	}
	q := x.query(req.Query)
	if q == nil {
		return x.next.Fetch(ctx, subgraph, body)
	}
	selection := x.selectionHash(subgraph, &req)
	caller := ""
	keys := make([]string, len(reps))
	pols := make([]Policy, len(reps))
	var lookup []string
	var lookupAt []int
	for i, rep := range reps {
		var tn typenameOnly
		if json.Unmarshal(rep, &tn) != nil {
			continue
		}
		pol := q.policies[tn.Typename]
		if !pol.Cacheable() {
			continue
		}
		owner := ""
		if pol.Scope == Private {
			if caller == "" {
				caller = x.c.Caller(ctx)
			}
			if owner = caller; owner == "" {
				continue
			}
		}
		h := sha256.New()
		h.Write([]byte(selection))
		h.Write(rep)
		h.Write([]byte{0})
		h.Write([]byte(owner))
		keys[i] = "x:" + hex.EncodeToString(h.Sum(nil))
		pols[i] = pol
		lookup = append(lookup, keys[i])
		lookupAt = append(lookupAt, i)
	}
	hits := make([]*Entry, len(reps))
	nhits := 0
	var since int64
	if len(lookup) > 0 {
		now := x.c.Store.now()
		var found []*Entry
		found, since = x.c.Store.getMany(ctx, &x.c.Store.entities, lookup)
		for j, e := range found {
			if e != nil && e.Fresh(now) {
				hits[lookupAt[j]] = e
				nhits++
			}
		}
	}
	started := x.c.Store.now()
	if nhits == len(reps) {
		return mergeEntities(hits, nil, nil), nil
	}
	send := body
	var sent []int // representation index of each one sent
	if nhits > 0 {
		var missing []json.RawMessage
		for i, rep := range reps {
			if hits[i] == nil {
				missing = append(missing, rep)
				sent = append(sent, i)
			}
		}
		req.Variables["representations"], _ = json.Marshal(missing)
		var err error
		if send, err = json.Marshal(&req); err != nil {
			return x.next.Fetch(ctx, subgraph, body)
		}
	}
	raw, err := x.next.Fetch(ctx, subgraph, send)
	if err != nil {
		return nil, err
	}
	var resp entityResponse
	if json.Unmarshal(raw, &resp) != nil || resp.Data == nil {
		if nhits == 0 {
			return raw, nil
		}
		return nil, errBadEntities
	}
	if nhits == 0 {
		sent = make([]int, len(reps))
		for i := range sent {
			sent[i] = i
		}
	}
	if len(resp.Errors) == 0 && len(resp.Data.Entities) == len(sent) {
		x.store(ctx, reps, sent, keys, pols, resp.Data.Entities, started, since)
	}
	if nhits == 0 {
		return raw, nil
	}
	return mergeEntities(hits, resp.Data.Entities, sent, resp.Errors...), nil
}

// store keeps the fetched entities of cacheable types, tagged with their own key and the
// entities nested in them.
func (x *entities) store(ctx context.Context, reps []json.RawMessage, sent []int, keys []string, pols []Policy, got []json.RawMessage, started time.Time, since int64) {
	var skeys []string
	var entries []*Entry
	for j, i := range sent {
		if keys[i] == "" || len(got[j]) == 0 || bytes.Equal(got[j], []byte("null")) {
			continue
		}
		tags := map[string]bool{}
		var rep, ent any
		if json.Unmarshal(reps[i], &rep) == nil {
			x.c.Tags.FromJSON(rep, tags)
		}
		if json.Unmarshal(got[j], &ent) == nil {
			x.c.Tags.FromJSON(ent, tags)
		}
		e := &Entry{Body: got[j], Stored: started, MaxAge: pols[i].MaxAge, Scope: pols[i].Scope}
		for t := range tags {
			e.Tags = append(e.Tags, t)
		}
		skeys = append(skeys, keys[i])
		entries = append(entries, e)
	}
	if len(entries) > 0 {
		x.c.Store.set(ctx, &x.c.Store.entities, skeys, entries, nil, since)
	}
}

// mergeEntities writes an _entities response in representation order: cached entities where
// hits has them, fetched ones (got[j] for representation sent[j]) elsewhere, with the
// fetched errors' paths moved to the representation they are about.
func mergeEntities(hits []*Entry, got []json.RawMessage, sent []int, errs ...map[string]any) []byte {
	out := make([]json.RawMessage, len(hits))
	for i, e := range hits {
		if e != nil {
			out[i] = e.Body
		}
	}
	for j, i := range sent {
		if j < len(got) {
			out[i] = got[j]
		}
	}
	for i := range out {
		if out[i] == nil {
			out[i] = json.RawMessage("null")
		}
	}
	for _, e := range errs {
		if path, ok := e["path"].([]any); ok && len(path) >= 2 {
			if n, ok := path[1].(float64); ok && int(n) >= 0 && int(n) < len(sent) {
				path[1] = sent[int(n)]
			}
		}
	}
	type data struct {
		Entities []json.RawMessage `json:"_entities"`
	}
	b, err := json.Marshal(struct {
		Data   data             `json:"data"`
		Errors []map[string]any `json:"errors,omitempty"`
	}{data{out}, errs})
	if err != nil {
		return []byte(`{"data":null,"errors":[{"message":"entity cache could not encode the response"}]}`)
	}
	return b
}

// query reads an entity fetch's query once: the policy of each entity type it selects.
func (x *entities) query(text string) *entityQuery {
	x.mu.Lock()
	q, ok := x.queries[text]
	x.mu.Unlock()
	if ok {
		return q
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: text})
	if err == nil && len(doc.Operations) == 1 {
		for _, s := range doc.Operations[0].SelectionSet {
			if f, ok := s.(*ast.Field); ok && f.Name == "_entities" && (f.Alias == "" || f.Alias == f.Name) {
				q = &entityQuery{policies: x.c.Policies.Entities(f.SelectionSet)}
			}
		}
	}
	x.mu.Lock()
	if len(x.queries) >= maxEntityQueries {
		x.queries = map[string]*entityQuery{}
	}
	x.queries[text] = q
	x.mu.Unlock()
	return q
}

// selectionHash names what is asked of each entity: subgraph, query and the other variables.
func (x *entities) selectionHash(subgraph string, req *entityRequest) string {
	h := sha256.New()
	h.Write([]byte(subgraph))
	h.Write([]byte{0})
	h.Write([]byte(req.Query))
	h.Write([]byte{0})
	others := make(map[string]json.RawMessage, len(req.Variables))
	for k, v := range req.Variables {
		if k != "representations" {
			others[k] = v
		}
	}
	b, _ := json.Marshal(others) // sorted keys
	h.Write(b)
	return string(h.Sum(nil))
}
