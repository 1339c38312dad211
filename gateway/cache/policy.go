// Package cache is the gateway's response cache: policies from @cacheControl hints, whole
// responses and single entities kept in two tiers (in process, then Redis shared by every
// replica), entity tags that let a domain event or a mutation purge what it changed, and the
// HTTP caching headers of a cached response.
package cache

import (
	"strconv"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// SpecURL is the @link url subgraphs import @cacheControl from (and @composeDirective it).
const SpecURL = "https://shopgraph.dev/cache/v0.1"

// Scope says who may share a cached value.
type Scope uint8

const (
	Public  Scope = iota // any caller
	Private              // only the caller it was made for
)

func (s Scope) String() string {
	if s == Private {
		return "PRIVATE"
	}
	return "PUBLIC"
}

// Hint is one @cacheControl: on a type or a field, or given in Options.Overrides.
type Hint struct {
	MaxAge  *time.Duration // nil: not set
	Scope   Scope
	Inherit bool // inheritMaxAge: the field's maxAge is its parent's
}

// Seconds is a Hint with maxAge set, for Options.Overrides.
func Seconds(n int, scope Scope) Hint {
	d := time.Duration(n) * time.Second
	return Hint{MaxAge: &d, Scope: scope}
}

// Policy is how long a response or entity may be cached, and for whom. A zero MaxAge means
// not at all.
type Policy struct {
	MaxAge time.Duration
	Scope  Scope
}

// Cacheable reports whether the policy allows caching.
func (p Policy) Cacheable() bool { return p.MaxAge > 0 }

func (p *Policy) restrict(maxAge time.Duration, scope Scope) {
	p.MaxAge = min(p.MaxAge, maxAge)
	if scope == Private {
		p.Scope = Private
	}
}

// Policies computes policies from the supergraph's @cacheControl hints and the overrides.
type Policies struct {
	sg     *supergraph.Supergraph
	types  map[string]Hint // by type name
	fields map[string]Hint // by "Type.field"
}

// NewPolicies reads the @cacheControl hints of the supergraph's API schema; overrides, keyed
// "Type" or "Type.field", replace the hint the SDL gives.
func NewPolicies(sg *supergraph.Supergraph, overrides map[string]Hint) *Policies {
	p := &Policies{sg: sg, types: map[string]Hint{}, fields: map[string]Hint{}}
	for name, def := range sg.API.Types {
		if h, ok := readHint(def.Directives); ok {
			p.types[name] = h
		}
		for _, f := range def.Fields {
			if h, ok := readHint(f.Directives); ok {
				p.fields[name+"."+f.Name] = h
			}
		}
	}
	for k, h := range overrides {
		if _, _, isField := cut(k); isField {
			p.fields[k] = h
		} else {
			p.types[k] = h
		}
	}
	return p
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func readHint(dirs ast.DirectiveList) (Hint, bool) {
	d := dirs.ForName("cacheControl")
	if d == nil {
		return Hint{}, false
	}
	var h Hint
	if a := d.Arguments.ForName("maxAge"); a != nil && a.Value != nil {
		if n, err := strconv.Atoi(a.Value.Raw); err == nil && n >= 0 {
			dur := time.Duration(n) * time.Second
			h.MaxAge = &dur
		}
	}
	if a := d.Arguments.ForName("scope"); a != nil && a.Value != nil && a.Value.Raw == "PRIVATE" {
		h.Scope = Private
	}
	if a := d.Arguments.ForName("inheritMaxAge"); a != nil && a.Value != nil && a.Value.Raw == "true" {
		h.Inherit = true
	}
	return h, true
}

// noLimit stands for "no maxAge yet" while taking minimums.
const noLimit = time.Duration(1<<63 - 1)

// Operation returns the policy of a response to op: the smallest maxAge of the fields it
// selects and PRIVATE if any of them is. Root fields and fields of composite type have maxAge
// 0 unless a hint on the field or its type says otherwise; scalar fields, and fields with
// inheritMaxAge, take their parent's. Mutations and subscriptions are never cached.
func (p *Policies) Operation(op *operation.Operation) Policy {
	if op.Kind != ast.Query {
		return Policy{}
	}
	out := Policy{MaxAge: noLimit}
	p.selection(op.Selection, 0, true, &out)
	if out.MaxAge == noLimit {
		out.MaxAge = 0 // an operation of __typename only
	}
	return out
}

func (p *Policies) selection(sel *operation.SelectionSet, parent time.Duration, root bool, out *Policy) {
	for _, t := range sel.Types {
		fields, _ := sel.FieldsFor(t)
		for _, f := range fields {
			if f.Name == "__typename" {
				continue
			}
			composite := f.Selection != nil
			age, scope := p.field(t, f.Name, f.Type.Name(), composite, root, parent)
			out.restrict(age, scope)
			if composite {
				p.selection(f.Selection, age, false, out)
			}
		}
	}
}

// field is the maxAge and scope of one field of parentType, following Apollo's rules.
func (p *Policies) field(parentType, name, typeName string, composite, root bool, parent time.Duration) (time.Duration, Scope) {
	if name == "__schema" || name == "__type" {
		return 0, Public
	}
	fh, hasField := p.fields[parentType+"."+name]
	th, hasType := p.types[typeName]
	scope := Public
	if (hasField && fh.Scope == Private) || (composite && hasType && th.Scope == Private) {
		scope = Private
	}
	switch {
	case hasField && fh.MaxAge != nil:
		return *fh.MaxAge, scope
	case hasField && fh.Inherit:
		return parent, scope
	case composite && hasType && th.MaxAge != nil:
		return *th.MaxAge, scope
	case composite && hasType && th.Inherit:
		return parent, scope
	case composite || root:
		return 0, scope
	}
	return parent, scope
}

// Entities returns the policy of each entity type an _entities selection asks for, as if the
// entity were a field returning its type: the type's hint, restricted by the fields selected.
func (p *Policies) Entities(sel ast.SelectionSet) map[string]Policy {
	out := map[string]Policy{}
	for _, s := range sel {
		frag, ok := s.(*ast.InlineFragment)
		if !ok || frag.TypeCondition == "" {
			continue
		}
		pol := Policy{MaxAge: noLimit}
		age, scope := p.field("", "", frag.TypeCondition, true, true, 0)
		pol.restrict(age, scope)
		p.astSelection(frag.TypeCondition, frag.SelectionSet, age, &pol)
		if prev, seen := out[frag.TypeCondition]; seen {
			pol.restrict(prev.MaxAge, prev.Scope)
		}
		out[frag.TypeCondition] = pol
	}
	return out
}

func (p *Policies) astSelection(typeName string, sel ast.SelectionSet, parent time.Duration, out *Policy) {
	def := p.sg.API.Types[typeName]
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.InlineFragment:
			tc := s.TypeCondition
			if tc == "" {
				tc = typeName
			}
			p.astSelection(tc, s.SelectionSet, parent, out)
		case *ast.Field:
			if s.Name == "__typename" || def == nil {
				continue
			}
			fd := def.Fields.ForName(s.Name)
			if fd == nil {
				continue // a field the API hides (@inaccessible, join machinery): no hint
			}
			composite := len(s.SelectionSet) > 0
			age, scope := p.field(typeName, s.Name, fd.Type.Name(), composite, false, parent)
			out.restrict(age, scope)
			if composite {
				p.astSelection(fd.Type.Name(), s.SelectionSet, age, out)
			}
		}
	}
}
