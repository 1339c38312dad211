package execute

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// Object is a JSON object that keeps the order of its keys.
type Object struct {
	Keys   []string
	Values []any
}

// MarshalJSON writes the object with keys in order.
func (o *Object) MarshalJSON() ([]byte, error) {
	return appendValue(nil, o), nil
}

// Get returns the value of a key.
func (o *Object) Get(key string) (any, bool) {
	for i, k := range o.Keys {
		if k == key {
			return o.Values[i], true
		}
	}
	return nil, false
}

type completer struct {
	sg   *supergraph.Supergraph
	errs []*Error
	// slabs the objects and lists of the response are carved from
	objs []Object
	keys []string
	vals []any
	// at is the response path being completed (parent links unused)
	at []respPath
}

func (c *completer) path() []any {
	out := make([]any, len(c.at))
	for i, p := range c.at {
		if p.key != "" {
			out[i] = p.key
		} else {
			out[i] = p.idx
		}
	}
	return out
}

const slabSize = 256

// grow is the size of the next slab: small ones first, so small responses
// stay small, doubling up to limit.
func grow(last, limit int) int {
	return min(max(2*last, 16), limit)
}

func (c *completer) newObject(n int) *Object {
	if len(c.objs) == cap(c.objs) {
		c.objs = make([]Object, 0, grow(cap(c.objs), 64))
	}
	c.objs = append(c.objs, Object{})
	o := &c.objs[len(c.objs)-1]
	if n > slabSize/4 {
		o.Keys, o.Values = make([]string, 0, n), make([]any, 0, n)
		return o
	}
	if cap(c.keys)-len(c.keys) < n {
		c.keys = make([]string, 0, max(grow(cap(c.keys), slabSize), n))
	}
	if cap(c.vals)-len(c.vals) < n {
		c.vals = make([]any, 0, max(grow(cap(c.vals), slabSize), n))
	}
	k, v := len(c.keys), len(c.vals)
	o.Keys, o.Values = c.keys[k:k:k+n], c.vals[v:v:v+n]
	c.keys, c.vals = c.keys[:k+n], c.vals[:v+n]
	return o
}

func (c *completer) newList(n int) []any {
	if n > slabSize/4 {
		return make([]any, n)
	}
	if cap(c.vals)-len(c.vals) < n {
		c.vals = make([]any, 0, max(grow(cap(c.vals), slabSize), n))
	}
	v := len(c.vals)
	c.vals = c.vals[:v+n]
	return c.vals[v : v+n : v+n]
}

// complete shapes the merged data as the client asked: only requested keys,
// in document order, with nulls propagated from non-null fields.
func complete(sg *supergraph.Supergraph, op *operation.Operation, data map[string]any, errs []*Error) (any, []*Error) {
	c := &completer{sg: sg, errs: errs}
	out, ok := c.object(op.Selection, data, op.RootType)
	if !ok {
		return nil, c.errs
	}
	return out, c.errs
}

func (c *completer) object(sel *operation.SelectionSet, obj map[string]any, typename string) (*Object, bool) {
	if tn, ok := obj["__typename"].(string); ok && tn != "" {
		typename = tn
	}
	fields, known := sel.FieldsFor(typename)
	if !known && sel.Abstract {
		// an @interfaceObject subgraph answered with the interface name
		typename = ""
	}
	out := c.newObject(len(fields))
	for _, f := range fields {
		if f.Name == "__typename" {
			tn := typename
			if tn == "" {
				tn = sel.TypeName
			}
			out.Keys = append(out.Keys, f.ResponseKey)
			out.Values = append(out.Values, tn)
			continue
		}
		v := obj[f.ResponseKey]
		if f.Name == "__schema" || f.Name == "__type" {
			out.Keys = append(out.Keys, f.ResponseKey)
			out.Values = append(out.Values, v)
			continue
		}
		c.at = append(c.at, respPath{key: f.ResponseKey})
		cv, ok := c.value(f.Type, f.Selection, v)
		c.at = c.at[:len(c.at)-1]
		if !ok {
			return nil, false
		}
		out.Keys = append(out.Keys, f.ResponseKey)
		out.Values = append(out.Values, cv)
	}
	return out, true
}

// value completes v of type t; ok is false when a non-null position is null
// and the null must propagate to the parent.
func (c *completer) value(t *ast.Type, sel *operation.SelectionSet, v any) (any, bool) {
	if v == nil {
		if t.NonNull {
			c.nullError()
			return nil, false
		}
		return nil, true
	}
	if t.Elem != nil {
		list, isList := v.([]any)
		if !isList {
			return c.invalid(t)
		}
		out := c.newList(len(list))
		for i, e := range list {
			c.at = append(c.at, respPath{idx: i})
			ce, ok := c.value(t.Elem, sel, e)
			c.at = c.at[:len(c.at)-1]
			if !ok {
				if t.NonNull {
					return nil, false
				}
				return nil, true
			}
			out[i] = ce
		}
		return out, true
	}
	if sel == nil {
		if _, isMap := v.(map[string]any); isMap {
			return c.invalid(t)
		}
		if def := c.sg.API.Types[t.NamedType]; def != nil && def.Kind == ast.Enum {
			if s, ok := v.(string); !ok || def.EnumValues.ForName(s) == nil {
				// a value hidden from the API schema (@inaccessible)
				return c.invalid(t)
			}
		}
		return v, true
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return c.invalid(t)
	}
	if tn, _ := m["__typename"].(string); sel.Abstract && tn != "" {
		if _, known := sel.ByType[tn]; !known {
			if st := c.sg.Types[tn]; st != nil && st.Kind == ast.Object {
				// an object type hidden from the API schema
				if t.NonNull {
					return nil, false
				}
				return nil, true
			}
		}
	}
	o, ok := c.object(sel, m, t.Name())
	if !ok {
		if t.NonNull {
			return nil, false
		}
		return nil, true
	}
	return o, true
}

func (c *completer) invalid(t *ast.Type) (any, bool) {
	c.errs = append(c.errs, &Error{Message: "subgraph returned a value of the wrong shape", Path: c.path(),
		Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}})
	if t.NonNull {
		return nil, false
	}
	return nil, true
}

// nullError records a non-null violation unless an error already explains it.
func (c *completer) nullError() {
	path := c.path()
	for _, e := range c.errs {
		if len(e.Path) == 0 || hasPrefix(e.Path, path) || hasPrefix(path, e.Path) {
			return
		}
	}
	c.errs = append(c.errs, &Error{
		Message:    fmt.Sprintf("Cannot return null for non-nullable field at %v", path),
		Path:       path,
		Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"},
	})
}

func hasPrefix(p, prefix []any) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if fmt.Sprint(p[i]) != fmt.Sprint(prefix[i]) {
			return false
		}
	}
	return true
}

// respPath is a response path as a linked list (the objects an entity fetch
// reads carry theirs), so only paths that end up in an error become slices.
type respPath struct {
	parent *respPath
	key    string // a field's response key, or "" for a list index
	idx    int
}

func (p *respPath) slice() []any {
	n := 0
	for q := p; q != nil; q = q.parent {
		n++
	}
	out := make([]any, n)
	for q := p; q != nil; q = q.parent {
		n--
		if q.key != "" {
			out[n] = q.key
		} else {
			out[n] = q.idx
		}
	}
	return out
}
