package execute

import (
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/plan"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// item is an object found at a fetch path, with its response path.
type item struct {
	obj  map[string]any
	path *respPath
}

// collect appends the objects found at path to out, walking into lists at
// "@", in document order; with paths, each with its response path (only
// errors need them).
func collect(data map[string]any, path []string, out []item, paths bool) []item {
	w := walker{out: out, paths: paths}
	w.object(data, nil, path)
	return w.out
}

type walker struct {
	out   []item
	paths bool
	nodes []respPath
}

func (w *walker) node(parent *respPath, key string, idx int) *respPath {
	if !w.paths {
		return nil
	}
	if len(w.nodes) == cap(w.nodes) {
		w.nodes = make([]respPath, 0, grow(cap(w.nodes), 256))
	}
	w.nodes = append(w.nodes, respPath{parent: parent, key: key, idx: idx})
	return &w.nodes[len(w.nodes)-1]
}

func (w *walker) object(obj map[string]any, at *respPath, path []string) {
	if len(path) == 0 {
		w.out = append(w.out, item{obj: obj, path: at})
		return
	}
	seg, rest := path[0], path[1:]
	if seg == "@" {
		w.object(obj, at, rest)
		return
	}
	v, ok := obj[seg]
	if !ok || v == nil {
		return
	}
	lists := 0
	for lists < len(rest) && rest[lists] == "@" {
		lists++
	}
	w.value(v, w.node(at, seg, -1), lists, rest[lists:])
}

func (w *walker) value(v any, at *respPath, lists int, rest []string) {
	if lists == 0 {
		if m, ok := v.(map[string]any); ok {
			w.object(m, at, rest)
		}
		return
	}
	arr, ok := v.([]any)
	if !ok {
		return
	}
	for idx, e := range arr {
		if e != nil {
			w.value(e, w.node(at, "", idx), lists-1, rest)
		}
	}
}

// appendRepresentation appends the `_Any` for obj. It reports false, leaving
// b as it was, when obj is not of a type the fetch handles or lacks a key field.
func appendRepresentation(b []byte, reps map[string]*plan.Representation, obj map[string]any) ([]byte, bool) {
	tn, _ := obj["__typename"].(string)
	rep := reps[tn]
	if rep == nil {
		return b, false
	}
	start := len(b)
	b = append(b, `{"__typename":`...)
	b = appendString(b, rep.Typename)
	b, ok := appendProjected(b, obj, rep.Fields, false)
	if !ok {
		return b[:start], false
	}
	return append(b, '}'), true
}

// appendProjected writes the fields of obj under their field names.
func appendProjected(b []byte, obj map[string]any, fields []*operation.Field, first bool) ([]byte, bool) {
	for _, f := range fields {
		if f.Name == "__typename" {
			continue
		}
		v, ok := obj[f.ResponseKey]
		if !ok {
			return b, false
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.Name)
		b = append(b, ':')
		if v == nil || f.Selection == nil {
			b = appendValue(b, v)
			continue
		}
		if b, ok = appendProjectedValue(b, v, f.Selection); !ok {
			return b, false
		}
	}
	return b, true
}

func appendProjectedValue(b []byte, v any, sel *operation.SelectionSet) ([]byte, bool) {
	switch v := v.(type) {
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendProjectedValue(b, e, sel); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		tn, _ := v["__typename"].(string)
		fields, _ := sel.FieldsFor(tn)
		b = append(b, '{')
		first := true
		if tn != "" {
			b = append(b, `"__typename":`...)
			b = appendString(b, tn)
			first = false
		}
		b, ok := appendProjected(b, v, fields, first)
		if !ok {
			return b, false
		}
		return append(b, '}'), true
	}
	return appendValue(b, v), true
}

// mergeObject merges src into dst. A concrete __typename already in dst is
// kept: entity results from @interfaceObject subgraphs carry the interface name.
func mergeObject(sg *supergraph.Supergraph, dst, src map[string]any) {
	for k, v := range src {
		if k == "__typename" {
			if cur, ok := dst[k].(string); ok {
				if s, _ := v.(string); s == cur {
					continue
				}
				if t := sg.Types[cur]; t != nil && t.Kind == "OBJECT" {
					continue
				}
			}
			dst[k] = v
			continue
		}
		cur, exists := dst[k]
		if !exists || cur == nil {
			dst[k] = v
			continue
		}
		dst[k] = mergeValue(sg, cur, v)
	}
}

func mergeValue(sg *supergraph.Supergraph, cur, v any) any {
	switch c := cur.(type) {
	case map[string]any:
		if m, ok := v.(map[string]any); ok {
			mergeObject(sg, c, m)
			return c
		}
	case []any:
		if l, ok := v.([]any); ok && len(l) == len(c) {
			for i := range c {
				if c[i] == nil {
					c[i] = l[i]
					continue
				}
				c[i] = mergeValue(sg, c[i], l[i])
			}
			return c
		}
	}
	if v == nil {
		return cur
	}
	return v
}
