package execute

import (
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/plan"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// item is an object found at a fetch path, with its response path.
type item struct {
	obj  map[string]any
	path []any
}

// collect returns the objects found at path, walking into lists at "@".
func collect(data map[string]any, path []string) []item {
	cur := []item{{obj: data}}
	var values []struct {
		v    any
		path []any
	}
	for i, seg := range path {
		if seg == "@" {
			continue
		}
		values = values[:0]
		for _, it := range cur {
			v, ok := it.obj[seg]
			if !ok || v == nil {
				continue
			}
			values = append(values, struct {
				v    any
				path []any
			}{v, appendPath(it.path, seg)})
		}
		// expand the list levels that follow this key
		lists := 0
		for j := i + 1; j < len(path) && path[j] == "@"; j++ {
			lists++
		}
		for l := 0; l < lists; l++ {
			var next []struct {
				v    any
				path []any
			}
			for _, v := range values {
				arr, ok := v.v.([]any)
				if !ok {
					continue
				}
				for idx, e := range arr {
					if e == nil {
						continue
					}
					next = append(next, struct {
						v    any
						path []any
					}{e, appendPath(v.path, idx)})
				}
			}
			values = next
		}
		cur = cur[:0:0]
		for _, v := range values {
			if m, ok := v.v.(map[string]any); ok {
				cur = append(cur, item{obj: m, path: v.path})
			}
		}
	}
	return cur
}

func appendPath(p []any, seg any) []any {
	out := make([]any, len(p), len(p)+1)
	copy(out, p)
	return append(out, seg)
}

// representation builds the `_Any` for obj, or nil when obj is not of a
// type the fetch handles or lacks its key fields.
func representation(reps map[string]*plan.Representation, obj map[string]any) map[string]any {
	tn, _ := obj["__typename"].(string)
	rep := reps[tn]
	if rep == nil {
		return nil
	}
	out := map[string]any{"__typename": rep.Typename}
	if !project(obj, rep.Fields, out) {
		return nil
	}
	return out
}

// project copies fields from obj into out under their field names.
func project(obj map[string]any, fields []*operation.Field, out map[string]any) bool {
	for _, f := range fields {
		if f.Name == "__typename" {
			if v, ok := obj["__typename"]; ok {
				out["__typename"] = v
			}
			continue
		}
		v, ok := obj[f.ResponseKey]
		if !ok {
			return false
		}
		if v == nil || f.Selection == nil {
			out[f.Name] = v
			continue
		}
		pv, ok := projectValue(v, f.Selection)
		if !ok {
			return false
		}
		out[f.Name] = pv
	}
	return true
}

func projectValue(v any, sel *operation.SelectionSet) (any, bool) {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			pe, ok := projectValue(e, sel)
			if !ok {
				return nil, false
			}
			out[i] = pe
		}
		return out, true
	case map[string]any:
		tn, _ := v["__typename"].(string)
		fields, _ := sel.FieldsFor(tn)
		out := map[string]any{}
		if tn != "" {
			out["__typename"] = tn
		}
		if !project(v, fields, out) {
			return nil, false
		}
		return out, true
	case nil:
		return nil, true
	}
	return v, true
}

// mergeObject merges src into dst. A concrete __typename already in dst is
// kept: entity results from @interfaceObject subgraphs carry the interface name.
func mergeObject(sg *supergraph.Supergraph, dst, src map[string]any) {
	for k, v := range src {
		if k == "__typename" {
			if cur, ok := dst[k].(string); ok {
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
