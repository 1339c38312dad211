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
}

// complete shapes the merged data as the client asked: only requested keys,
// in document order, with nulls propagated from non-null fields.
func complete(sg *supergraph.Supergraph, op *operation.Operation, data map[string]any, errs []*Error) (any, []*Error) {
	c := &completer{sg: sg, errs: errs}
	out, ok := c.object(op.Selection, data, nil, op.RootType)
	if !ok {
		return nil, c.errs
	}
	return out, c.errs
}

func (c *completer) object(sel *operation.SelectionSet, obj map[string]any, path *respPath, typename string) (*Object, bool) {
	if tn, ok := obj["__typename"].(string); ok && tn != "" {
		typename = tn
	}
	fields, known := sel.FieldsFor(typename)
	if !known && sel.Abstract {
		// an @interfaceObject subgraph answered with the interface name
		typename = ""
	}
	out := &Object{Keys: make([]string, 0, len(fields)), Values: make([]any, 0, len(fields))}
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
		fpath := &respPath{parent: path, seg: f.ResponseKey}
		v := obj[f.ResponseKey]
		if f.Name == "__schema" || f.Name == "__type" {
			out.Keys = append(out.Keys, f.ResponseKey)
			out.Values = append(out.Values, v)
			continue
		}
		cv, ok := c.value(f.Type, f.Selection, v, fpath)
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
func (c *completer) value(t *ast.Type, sel *operation.SelectionSet, v any, path *respPath) (any, bool) {
	if v == nil {
		if t.NonNull {
			c.nullError(path)
			return nil, false
		}
		return nil, true
	}
	if t.Elem != nil {
		list, isList := v.([]any)
		if !isList {
			return c.invalid(t, path)
		}
		out := make([]any, len(list))
		for i, e := range list {
			ce, ok := c.value(t.Elem, sel, e, &respPath{parent: path, seg: i})
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
			return c.invalid(t, path)
		}
		if def := c.sg.API.Types[t.NamedType]; def != nil && def.Kind == ast.Enum {
			if s, ok := v.(string); !ok || def.EnumValues.ForName(s) == nil {
				// a value hidden from the API schema (@inaccessible)
				return c.invalid(t, path)
			}
		}
		return v, true
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return c.invalid(t, path)
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
	o, ok := c.object(sel, m, path, t.Name())
	if !ok {
		if t.NonNull {
			return nil, false
		}
		return nil, true
	}
	return o, true
}

func (c *completer) invalid(t *ast.Type, path *respPath) (any, bool) {
	c.errs = append(c.errs, &Error{Message: "subgraph returned a value of the wrong shape", Path: path.slice(),
		Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}})
	if t.NonNull {
		return nil, false
	}
	return nil, true
}

// nullError records a non-null violation unless an error already explains it.
func (c *completer) nullError(at *respPath) {
	path := at.slice()
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

// respPath is a response path built as a linked list while completing, so
// only paths that end up in an error are turned into slices.
type respPath struct {
	parent *respPath
	seg    any
}

func (p *respPath) slice() []any {
	n := 0
	for q := p; q != nil; q = q.parent {
		n++
	}
	out := make([]any, n)
	for q := p; q != nil; q = q.parent {
		n--
		out[n] = q.seg
	}
	return out
}
