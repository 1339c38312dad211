package cache

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// keyAlias prefixes the response key under which an entity's key field is fetched for its
// tag, whatever the client selected.
const keyAlias = "_sgk_"

// Tags names entities by their @key: "Product:<id>", "Variant:<sku>". A cached response or
// entity records the tags of the entities it holds, so a change to one purges them all.
type Tags struct {
	sg   *supergraph.Supergraph
	keys map[string]string // entity type -> its single-field key
}

// NewTags reads the entity types of the supergraph: object types with a resolvable key of one
// scalar field.
func NewTags(sg *supergraph.Supergraph) *Tags {
	t := &Tags{sg: sg, keys: map[string]string{}}
	for name, typ := range sg.Types {
		if typ.Kind != ast.Object || typ.Inaccessible || sg.API.Types[name] == nil {
			continue
		}
		for _, g := range sortedGraphs(typ) {
			for _, k := range g.Keys {
				if len(k.Selection) != 1 || !k.Resolvable {
					continue
				}
				f, ok := k.Selection[0].(*ast.Field)
				if ok && len(f.SelectionSet) == 0 && sg.API.Types[name].Fields.ForName(f.Name) != nil {
					t.keys[name] = f.Name
					break
				}
			}
			if t.keys[name] != "" {
				break
			}
		}
	}
	return t
}

func sortedGraphs(t *supergraph.Type) []*supergraph.TypeGraph {
	out := make([]*supergraph.TypeGraph, 0, len(t.Graphs))
	for _, g := range t.Graphs {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Graph < out[j].Graph })
	return out
}

// Tag is the tag of the entity of type typename with the given key value.
func Tag(typename, key string) string { return typename + ":" + key }

// WithKeys returns op with __typename and the key field of every entity type it selects
// added (after the client's own fields), so the response says which entities it holds.
// Strip takes them out again.
func (t *Tags) WithKeys(op *operation.Operation) *operation.Operation {
	out := *op
	out.Selection = t.withKeys(op.Selection)
	return &out
}

func (t *Tags) withKeys(sel *operation.SelectionSet) *operation.SelectionSet {
	if sel == nil {
		return nil
	}
	out := *sel
	out.ByType = make(map[string][]*operation.Field, len(sel.ByType))
	entity := false
	for _, typ := range sel.Types {
		if t.keys[typ] != "" {
			entity = true
		}
	}
	extend := func(typ string, fields []*operation.Field) []*operation.Field {
		res := make([]*operation.Field, 0, len(fields)+2)
		hasTypename := false
		for _, f := range fields {
			if f.ResponseKey == "__typename" {
				hasTypename = true
			}
			if f.Selection != nil {
				c := *f
				c.Selection = t.withKeys(f.Selection)
				f = &c
			}
			res = append(res, f)
		}
		if !entity {
			return res
		}
		if !hasTypename {
			res = append(res, &operation.Field{ResponseKey: "__typename", Name: "__typename",
				Type: ast.NonNullNamedType("String", nil)})
		}
		if key := t.keys[typ]; key != "" {
			fd := t.sg.API.Types[typ].Fields.ForName(key)
			res = append(res, &operation.Field{ResponseKey: keyAlias + key, Name: key, Type: fd.Type})
		}
		return res
	}
	out.Common = extend(sel.TypeName, sel.Common)
	for _, typ := range sel.Types {
		if typ == sel.TypeName && !sel.Abstract {
			out.ByType[typ] = out.Common
			continue
		}
		out.ByType[typ] = extend(typ, sel.ByType[typ])
	}
	return &out
}

// Collect returns the tags of the entities in a response to op completed for WithKeys(op), and
// for each entity nested in another, the tag of the nearest enclosing one (a Variant in its
// Product), then strips the added fields so the response is what the client asked for.
func (t *Tags) Collect(op *operation.Operation, data any) (tags []string, nested map[string]string) {
	c := collector{t: t, seen: map[string]bool{}}
	if obj, ok := data.(*execute.Object); ok && obj != nil {
		c.object(op.Selection, obj, "")
	}
	return c.tags, c.owners
}

type collector struct {
	t      *Tags
	seen   map[string]bool
	tags   []string
	owners map[string]string
}

func (c *collector) object(sel *operation.SelectionSet, obj *execute.Object, owner string) {
	typename := ""
	if v, ok := obj.Get("__typename"); ok {
		typename, _ = v.(string)
	}
	if key := c.t.keys[typename]; key != "" {
		if v, ok := obj.Get(keyAlias + key); ok && v != nil {
			tag := Tag(typename, scalarString(v))
			if !c.seen[tag] {
				c.seen[tag] = true
				c.tags = append(c.tags, tag)
			}
			if owner != "" && owner != tag {
				if c.owners == nil {
					c.owners = map[string]string{}
				}
				c.owners[tag] = owner
			}
			owner = tag
		}
	}
	fields, _ := sel.FieldsFor(typename)
	n := min(len(fields), len(obj.Keys))
	for i := 0; i < n; i++ {
		if fields[i].Selection != nil {
			c.value(fields[i].Selection, obj.Values[i], owner)
		}
	}
	// the client's fields come first; what WithKeys added follows
	obj.Keys, obj.Values = obj.Keys[:n], obj.Values[:n]
}

func (c *collector) value(sel *operation.SelectionSet, v any, owner string) {
	switch v := v.(type) {
	case *execute.Object:
		if v != nil {
			c.object(sel, v, owner)
		}
	case []any:
		for _, e := range v {
			c.value(sel, e, owner)
		}
	}
}

func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

// FromJSON returns the tags of the entities in a decoded subgraph value: objects with a
// __typename and their key field (under the key alias or its own name).
func (t *Tags) FromJSON(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if tn, ok := v["__typename"].(string); ok {
			if key := t.keys[tn]; key != "" {
				kv, ok := v[keyAlias+key]
				if !ok {
					kv, ok = v[key]
				}
				if ok && kv != nil {
					into[Tag(tn, scalarString(kv))] = true
				}
			}
		}
		for _, e := range v {
			t.FromJSON(e, into)
		}
	case []any:
		for _, e := range v {
			t.FromJSON(e, into)
		}
	}
}
