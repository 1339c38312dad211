package plan

import (
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// frame is one object position being planned; child is the field of the
// position whose selection is being planned below it.
type frame struct {
	f     *Fetch
	sub   string
	typ   string
	path  []string
	into  *subSel
	child *operation.Field
}

// throughParent handles fields that no entity jump can reach (the type has
// no key in the subgraphs that resolve them): it asks another subgraph for
// the whole chain of fields from the nearest ancestor it can reach, the root
// of a query or an entity. It returns the fetches added and the fields left.
func (p *planner) throughParent(sub, typ string, pending []*operation.Field, path []string) ([]int, []*operation.Field) {
	var stuck []*operation.Field
	var rest []*operation.Field
	noKey := map[string]bool{}
	for _, fld := range pending {
		reachable := false
		cands := p.candidates(sub, typ, fld.Name, nil)
		if len(cands) == 0 {
			noKey[fld.ResponseKey] = true
		}
		for _, c := range cands {
			if c.local {
				reachable = true
				break
			}
		}
		if reachable {
			rest = append(rest, fld)
		} else {
			stuck = append(stuck, fld)
		}
	}
	if len(stuck) == 0 {
		return nil, pending
	}
	var created []int
	for len(stuck) > 0 {
		c, left := p.throughAncestor(sub, typ, stuck, path, noKey)
		if len(left) == len(stuck) {
			break
		}
		created = append(created, c...)
		stuck = left
	}
	return created, append(rest, stuck...)
}

// throughAncestor moves what it can of stuck to one ancestor. A query root
// is only used for fields of types with no key at all (values shared by
// several subgraphs' root fields); entities are re-entered by key.
func (p *planner) throughAncestor(sub, typ string, stuck []*operation.Field, path []string, noKey map[string]bool) ([]int, []*operation.Field) {
	n := len(p.stack) - 1 // the current frame
	cur := p.stack[n]
	// frames of the same position (planning key fields for a jump from
	// here) are not ancestors
	for n > 0 && p.stack[n-1].f == cur.f && p.stack[n-1].typ == cur.typ && samePath(p.stack[n-1].path, cur.path) {
		n--
	}
	for k := n - 1; k >= 0; k-- {
		anc := p.stack[k]
		if anc.child == nil {
			break
		}
		chain := p.stack[k:n]
		for _, g := range p.sg.Graphs {
			if g.Name == sub {
				continue
			}
			isRoot := len(anc.path) == 0 && anc.typ == p.op.RootType
			var movable []*operation.Field
			for _, fld := range stuck {
				if isRoot && !noKey[fld.ResponseKey] {
					continue
				}
				if p.local(g.Name, typ, fld.Name, false) {
					movable = append(movable, fld)
				}
			}
			if len(movable) == 0 || !p.chainLocal(g.Name, chain) {
				continue
			}
			into, fetch, created, ok := p.enterAncestor(anc, g.Name)
			if !ok {
				continue
			}
			for j, fr := range chain {
				into = into.object(fr.child.ResponseKey, fr.child.Name, fr.child.Arguments)
				next := p.stack[k+j+1]
				if p.sg.IsAbstract(fr.child.Type.Name()) {
					into.leaf("__typename", "__typename", nil)
					into = into.fragment(next.typ)
				}
			}
			created = append(created, p.planFields(fetch, g.Name, typ, movable, path, into, nil, false)...)
			var left []*operation.Field
			for _, fld := range stuck {
				if findField(movable, fld.Name) == nil {
					left = append(left, fld)
				}
			}
			return created, left
		}
	}
	return nil, stuck
}

// chainLocal reports whether graph resolves every field of the chain.
func (p *planner) chainLocal(graph string, chain []*frame) bool {
	for _, fr := range chain {
		if !p.local(graph, fr.typ, fr.child.Name, false) {
			return false
		}
	}
	return true
}

// enterAncestor returns where to write the chain in graph for the ancestor
// position: a new root fetch for a query root, or an entity fetch.
func (p *planner) enterAncestor(anc *frame, graph string) (*subSel, *Fetch, []int, bool) {
	if len(anc.path) == 0 && anc.typ == p.op.RootType {
		if p.op.Kind != ast.Query {
			return nil, nil, nil, false
		}
		key := "root|" + graph
		f := p.reuse[key]
		if f == nil {
			f = p.newFetch(graph, false, nil, nil)
			p.reuse[key] = f
		}
		return f.sel, f, []int{f.ID}, true
	}
	t := p.sg.Types[anc.typ]
	if t == nil || t.Graphs[graph] == nil {
		return nil, nil, nil, false
	}
	for _, k := range t.Graphs[graph].Keys {
		inRep := anc.f.Entity && anc.typ != "" && samePath(anc.path, anc.f.Path) && repCovers(anc.f.Reps[anc.typ], k.Selection)
		if !k.Resolvable || (!inRep && !p.keyLocal(anc.sub, anc.typ, k.Selection, nil)) {
			continue
		}
		keyFields := unclashed(anc.into, p.fieldSet(anc.typ, k.Selection).Common)
		var deps []int
		if !inRep {
			deps = p.planFields(anc.f, anc.sub, anc.typ, keyFields, anc.path, anc.into, nil, false)
		}
		anc.into.leaf("__typename", "__typename", nil)
		ef := p.entityFetchFor(anc.f, graph, anc.path, deps, "parent", anc.typ, &Representation{Typename: anc.typ, Fields: keyFields})
		return ef.sel.fragment(anc.typ), ef, append(deps, ef.ID), true
	}
	return nil, nil, nil, false
}

// safeMembers limits the members of an abstract position below shareable
// fields: when the path from the nearest entity could be resolved by several
// subgraphs, only members all of them know are safe to ask for. It returns
// nil when there is no such limit.
func (p *planner) safeMembers(sub, abstract string) map[string]bool {
	top := len(p.stack) - 1
	if top < 0 || p.stack[top].child == nil {
		return nil
	}
	k := -1
	for i := top; i >= 0; i-- {
		fr := p.stack[i]
		if fr.child == nil {
			break
		}
		if p.hasKey(fr.typ) {
			k = i
			break
		}
	}
	if k < 0 {
		return nil
	}
	chain := p.stack[k : top+1]
	entity := p.sg.Types[chain[0].typ]
	var graphs []string
	for _, g := range p.sg.Graphs {
		if g.Name != sub {
			tg := entity.Graphs[g.Name]
			if tg == nil || !hasResolvableKey(tg.Keys) {
				continue
			}
		}
		if !p.chainLocal(g.Name, chain) {
			continue
		}
		graphs = append(graphs, g.Name)
	}
	if len(graphs) < 2 {
		return nil
	}
	safe := map[string]bool{}
	for _, c := range p.sg.Types[abstract].Possible {
		all := true
		for _, g := range graphs {
			if !p.knowsMember(g, abstract, c) {
				all = false
				break
			}
		}
		if all {
			safe[c] = true
		}
	}
	return safe
}

func (p *planner) hasKey(typ string) bool {
	t := p.sg.Types[typ]
	if t == nil {
		return false
	}
	for _, tg := range t.Graphs {
		if hasResolvableKey(tg.Keys) {
			return true
		}
	}
	return false
}

func hasResolvableKey(keys []*supergraph.Key) bool {
	for _, k := range keys {
		if k.Resolvable {
			return true
		}
	}
	return false
}
