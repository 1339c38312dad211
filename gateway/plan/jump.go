package plan

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// candidate is a way to resolve a field of an entity in another subgraph.
type candidate struct {
	graph    string
	keyType  string // the entity type, or an interface for @interfaceObject
	key      *supergraph.Key
	requires ast.SelectionSet
	local    bool // key fields resolvable where we are
}

func (p *planner) candidates(sub, typ, name string, provided *operation.SelectionSet) []candidate {
	var out []candidate
	add := func(keyType string, tg *supergraph.TypeGraph, fg *supergraph.FieldGraph) {
		var best *candidate
		for _, k := range tg.Keys {
			if !k.Resolvable {
				continue
			}
			c := candidate{graph: tg.Graph, keyType: keyType, key: k, requires: fg.RequiresSel}
			c.local = p.keyLocal(sub, typ, k.Selection, provided) || p.inRepresentation(typ, k.Selection)
			if best == nil || (c.local && !best.local) {
				cc := c
				best = &cc
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	t := p.sg.Types[typ]
	if t == nil || t.Fields[name] == nil {
		return nil
	}
	for _, g := range p.sg.Graphs {
		fg := t.Fields[name].Graphs[g.Name]
		tg := t.Graphs[g.Name]
		if !fg.ResolvableWith(p.labels) || tg == nil {
			continue
		}
		add(typ, tg, fg)
	}
	if t.Kind == ast.Object {
		for _, i := range t.Interfaces {
			it := p.sg.Types[i]
			if it == nil || it.Fields[name] == nil {
				continue
			}
			for _, g := range p.sg.Graphs {
				itg := it.Graphs[g.Name]
				fg := it.Fields[name].Graphs[g.Name]
				if itg == nil || !itg.InterfaceObject || !fg.ResolvableWith(p.labels) {
					continue
				}
				add(i, itg, fg)
			}
		}
	}
	return out
}

// jump resolves fields that subgraph sub cannot resolve through entity
// fetches to other subgraphs, adding the key (and required) fields to `into`.
func (p *planner) jump(f *Fetch, sub, typ string, pending []*operation.Field, path []string, into *subSel, provided *operation.SelectionSet) []int {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 24 {
		p.fail("cannot plan %s: entity jumps too deep", typ)
		return nil
	}
	options := make([][]candidate, len(pending))
	for i, fld := range pending {
		options[i] = p.candidates(sub, typ, fld.Name, provided)
		if len(options[i]) == 0 {
			p.fail("no subgraph can resolve field %s.%s", typ, fld.Name)
			return nil
		}
	}
	var created []int
	done := make([]bool, len(pending))
	for {
		// pick the (graph, keyType) covering most remaining fields; prefer
		// keys available here and subgraphs that need no @requires.
		type choice struct {
			c     candidate
			count int
			noReq int
		}
		var best *choice
		for i := range pending {
			if done[i] {
				continue
			}
			for _, c := range options[i] {
				ch := choice{c: c}
				for j := range pending {
					if done[j] {
						continue
					}
					for _, o := range options[j] {
						if o.graph == c.graph && o.keyType == c.keyType {
							ch.count++
							if o.requires == nil {
								ch.noReq++
							}
							break
						}
					}
				}
				if best == nil || better(ch.c, ch.count, best.c, best.count) {
					cc := ch
					best = &cc
				}
			}
		}
		if best == nil {
			break
		}
		var plain []*operation.Field
		var withReq []*operation.Field
		var reqSets []ast.SelectionSet
		for i, fld := range pending {
			if done[i] {
				continue
			}
			for _, o := range options[i] {
				if o.graph == best.c.graph && o.keyType == best.c.keyType {
					done[i] = true
					if o.requires != nil {
						withReq = append(withReq, fld)
						reqSets = append(reqSets, o.requires)
					} else {
						plain = append(plain, fld)
					}
					break
				}
			}
		}
		// requirements asking for one field with different arguments cannot
		// share a representation: give each such group its own fetch.
		type reqGroup struct {
			fields []*operation.Field
			req    ast.SelectionSet
			merged []*operation.Field
		}
		var groups []*reqGroup
		for i, fld := range withReq {
			rf := p.fieldSet(typ, reqSets[i]).Common
			var g *reqGroup
			for _, cand := range groups {
				if !conflicting(cand.merged, rf) {
					g = cand
					break
				}
			}
			if g == nil {
				g = &reqGroup{}
				groups = append(groups, g)
			}
			g.fields = append(g.fields, fld)
			g.req = append(g.req, reqSets[i]...)
			g.merged = mergeFields(g.merged, rf)
		}
		if len(groups) == 0 {
			created = append(created, p.entityStep(f, sub, typ, best.c, plain, nil, nil, path, into, provided)...)
		}
		for i, g := range groups {
			var pl []*operation.Field
			if i == 0 {
				pl = plain
			}
			created = append(created, p.entityStep(f, sub, typ, best.c, pl, g.fields, g.req, path, into, provided)...)
		}
	}
	return created
}

// conflicting reports whether two field lists ask for one field name under
// different response keys (different arguments) at the same position.
func conflicting(a, b []*operation.Field) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Name != y.Name {
				continue
			}
			if x.ResponseKey != y.ResponseKey {
				return true
			}
			if x.Selection != nil && y.Selection != nil && conflicting(x.Selection.Common, y.Selection.Common) {
				return true
			}
		}
	}
	return false
}

func better(a candidate, ac int, b candidate, bc int) bool {
	if a.local != b.local {
		return a.local
	}
	if ac != bc {
		return ac > bc
	}
	if (a.requires == nil) != (b.requires == nil) {
		return a.requires == nil
	}
	return false
}

// entityStep adds entity fetches to c.graph for fields, after fetching the
// key and required fields from where we are. Fields whose requirements are
// available from the current fetch share one fetch with the plain fields.
func (p *planner) entityStep(f *Fetch, sub, typ string, c candidate, plain, withReq []*operation.Field, requires ast.SelectionSet, path []string, into *subSel, provided *operation.SelectionSet) []int {
	keyFields := unclashed(into, p.fieldSet(typ, c.key.Selection).Common)
	var keyDeps []int
	if !p.inRepresentation(typ, c.key.Selection) {
		keyDeps = p.planFields(f, sub, typ, keyFields, path, into, provided, false)
	}
	into.leaf("__typename", "__typename", nil)
	created := append([]int(nil), keyDeps...)
	var reqFields []*operation.Field
	var reqDeps []int
	if requires != nil {
		reqFields = unclashed(into, p.fieldSet(typ, requires).Common)
		reqDeps = p.planFields(f, sub, typ, reqFields, path, into, provided, false)
		created = append(created, reqDeps...)
	}
	step := func(fields, repFields []*operation.Field, deps []int, tag string) {
		ef := p.entityFetchFor(f, c.graph, path, deps, tag, typ, &Representation{Typename: c.keyType, Fields: repFields})
		created = append(created, ef.ID)
		target := ef.sel.fragment(c.keyType)
		created = append(created, p.planFields(ef, c.graph, c.keyType, fields, path, target, nil, true)...)
	}
	if len(withReq) > 0 && len(reqDeps) == 0 {
		step(append(append([]*operation.Field(nil), plain...), withReq...), mergeFields(keyFields, reqFields), keyDeps, "requires")
		return created
	}
	if len(plain) > 0 {
		step(plain, keyFields, keyDeps, "plain")
	}
	if len(withReq) > 0 {
		step(withReq, mergeFields(keyFields, reqFields), append(append([]int(nil), keyDeps...), reqDeps...), "requires")
	}
	return created
}

// entityFetchFor finds or adds an entity fetch for objects of typ at path.
func (p *planner) entityFetchFor(parent *Fetch, graph string, path []string, deps []int, tag, typ string, rep *Representation) *Fetch {
	for i := 0; ; i++ {
		ef := p.entityFetch(parent, graph, path, deps, fmt.Sprintf("%s#%d", tag, i))
		existing := ef.Reps[typ]
		if existing == nil {
			ef.Reps[typ] = rep
			if t := p.sg.Types[typ]; t != nil && t.Kind != ast.Object {
				// objects at an interface position may already carry their
				// object type, learnt from another subgraph
				for _, pt := range t.Possible {
					if ef.Reps[pt] == nil {
						ef.Reps[pt] = rep
					}
				}
			}
			return ef
		}
		if existing.Typename == rep.Typename && sameFields(existing.Fields, rep.Fields) {
			return ef
		}
	}
}

func (p *planner) entityFetch(parent *Fetch, graph string, path []string, deps []int, tag string) *Fetch {
	all := uniqueInts(append([]int{parent.ID}, deps...))
	key := fmt.Sprintf("%d|%s|%s|%s|%v", parent.ID, strings.Join(path, "."), graph, tag, all)
	if ef := p.reuse[key]; ef != nil {
		return ef
	}
	ef := p.newFetch(graph, true, path, all)
	p.reuse[key] = ef
	return ef
}

func sameFields(a, b []*operation.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ResponseKey != b[i].ResponseKey || a[i].Name != b[i].Name {
			return false
		}
		if (a[i].Selection == nil) != (b[i].Selection == nil) {
			return false
		}
		if a[i].Selection != nil && !sameFields(a[i].Selection.Common, b[i].Selection.Common) {
			return false
		}
	}
	return true
}

// mergeFields merges two field lists by response key, merging sub-selections.
func mergeFields(a, b []*operation.Field) []*operation.Field {
	out := append([]*operation.Field(nil), a...)
	for _, f := range b {
		merged := false
		for i, o := range out {
			if o.ResponseKey == f.ResponseKey {
				if o.Selection != nil && f.Selection != nil {
					c := *o
					c.Selection = mergeSelection(o.Selection, f.Selection)
					out[i] = &c
				}
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, f)
		}
	}
	return out
}

func mergeSelection(a, b *operation.SelectionSet) *operation.SelectionSet {
	out := &operation.SelectionSet{TypeName: a.TypeName, Abstract: a.Abstract, Types: a.Types, ByType: map[string][]*operation.Field{}}
	out.Common = mergeFields(a.Common, b.Common)
	for _, t := range a.Types {
		out.ByType[t] = mergeFields(a.ByType[t], b.ByType[t])
	}
	return out
}

// fieldSet converts a join__FieldSet on typ into normalised fields. Fields
// with arguments get an internal alias.
func (p *planner) fieldSet(typ string, sel ast.SelectionSet) *operation.SelectionSet {
	t := p.sg.Types[typ]
	s := &operation.SelectionSet{TypeName: typ, ByType: map[string][]*operation.Field{}}
	if t == nil {
		return s
	}
	s.Abstract = t.Kind == ast.Interface || t.Kind == ast.Union
	s.Types = t.Possible
	if !s.Abstract {
		s.Types = []string{typ}
	}
	s.Common = p.fieldSetFields(typ, typ, sel)
	for _, pt := range s.Types {
		if pt == typ {
			s.ByType[pt] = s.Common
			continue
		}
		s.ByType[pt] = p.fieldSetFields(typ, pt, sel)
	}
	return s
}

func (p *planner) fieldSetFields(declared, objType string, sel ast.SelectionSet) []*operation.Field {
	var out []*operation.Field
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				out = mergeFields(out, []*operation.Field{{ResponseKey: "__typename", Name: "__typename", Type: ast.NonNullNamedType("String", nil)}})
				continue
			}
			t := p.sg.Types[objType]
			if t == nil || t.Fields[s.Name] == nil {
				t = p.sg.Types[declared]
			}
			if t == nil || t.Fields[s.Name] == nil {
				continue
			}
			fd := t.Fields[s.Name]
			f := &operation.Field{ResponseKey: s.Name, Name: s.Name, Arguments: s.Arguments, Type: fd.Type}
			if len(s.Arguments) > 0 {
				f.ResponseKey = internalAlias(s.Name, s.Arguments)
			}
			if len(s.SelectionSet) > 0 {
				f.Selection = p.fieldSet(fd.Type.Name(), s.SelectionSet)
			}
			out = mergeFields(out, []*operation.Field{f})
		case *ast.InlineFragment:
			if !p.fragmentApplies(s.TypeCondition, objType) {
				continue
			}
			out = mergeFields(out, p.fieldSetFields(declared, objType, s.SelectionSet))
		}
	}
	return out
}

func (p *planner) fragmentApplies(cond, objType string) bool {
	if cond == "" || cond == objType {
		return true
	}
	t := p.sg.Types[cond]
	if t == nil {
		return false
	}
	for _, pt := range t.Possible {
		if pt == objType {
			return true
		}
	}
	return false
}

// inRepresentation reports whether the current position is the top of an
// entity fetch whose representation already carries the field set: the data
// is in the response before that fetch runs.
func (p *planner) inRepresentation(typ string, sel ast.SelectionSet) bool {
	if len(p.stack) == 0 {
		return false
	}
	fr := p.stack[len(p.stack)-1]
	return fr.f.Entity && fr.typ == typ && samePath(fr.path, fr.f.Path) && repCovers(fr.f.Reps[typ], sel)
}

func samePath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func repCovers(rep *Representation, sel ast.SelectionSet) bool {
	if rep == nil {
		return false
	}
	return fieldsCover(rep.Fields, sel)
}

func fieldsCover(fields []*operation.Field, sel ast.SelectionSet) bool {
	for _, s := range sel {
		f, ok := s.(*ast.Field)
		if !ok {
			return false
		}
		if f.Name == "__typename" {
			continue
		}
		have := findField(fields, f.Name)
		if have == nil || len(f.Arguments) > 0 {
			return false
		}
		if len(f.SelectionSet) > 0 {
			if have.Selection == nil || !fieldsCover(have.Selection.Common, f.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// unclashed renames planner-added fields whose response key a client field of
// another name or arguments already uses at this position ({ id: name }).
func unclashed(into *subSel, fields []*operation.Field) []*operation.Field {
	var out []*operation.Field
	for i, f := range fields {
		taken := false
		for _, sf := range into.fields {
			if sf.key == f.ResponseKey && (sf.name != f.Name || !sameArgs(sf.args, f.Arguments)) {
				taken = true
				break
			}
		}
		if !taken {
			if out != nil {
				out = append(out, f)
			}
			continue
		}
		if out == nil {
			out = append([]*operation.Field(nil), fields[:i]...)
		}
		c := *f
		c.ResponseKey = "_" + f.Name + "_key"
		out = append(out, &c)
	}
	if out == nil {
		return fields
	}
	return out
}

func sameArgs(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value.String() != b[i].Value.String() {
			return false
		}
	}
	return true
}
