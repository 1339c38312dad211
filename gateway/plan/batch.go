package plan

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/shopgraph/shopgraph/gateway/operation"
)

// Target is one place an entity fetch reads objects from.
type Target struct {
	Path []string
	// Reps maps the __typename of an object found at Path to the
	// representation to send for it; objects of other types are skipped.
	Reps map[string]*Representation
}

// Part is one _entities field of an entity fetch: the objects it reads and
// the selection it asks of them.
type Part struct {
	// Key is the response key of the _entities field and Var the variable
	// holding its representations.
	Key, Var string
	Targets  []Target

	sel     *subSel
	renames bool
}

// batch merges entity fetches to one subgraph into one request, in two passes.
// First, fetches that wait for the same fetches. Then, fetches at the same
// level of the fetch DAG (their dependencies are all done by the same wave),
// and fetches nothing waits for into a later fetch to the same subgraph: the
// plan keeps its number of waves. Within a request, fetches whose selections
// and targets can be combined share one _entities field; the others get an
// aliased _entities field each. Fetch ids are renumbered.
func batch(fetches []*Fetch) []*Fetch {
	for _, f := range fetches {
		if f.Entity {
			f.Parts = []*Part{{Targets: []Target{{Path: f.Path, Reps: f.Reps}}, sel: f.sel}}
		}
	}
	into := identity(len(fetches)) // fetch id -> id of the fetch it merged into
	hosts := map[string]*Fetch{}
	for _, f := range fetches {
		if !f.Entity {
			continue
		}
		deps := make([]int, len(f.DependsOn))
		for i, d := range f.DependsOn {
			deps[i] = into[d]
		}
		f.DependsOn = uniqueInts(deps)
		key := fmt.Sprintf("%s|%v", f.Subgraph, f.DependsOn)
		if h := hosts[key]; h != nil {
			absorb(h, f)
			into[f.ID] = h.ID
			continue
		}
		hosts[key] = f
	}
	fetches = keep(fetches, into, nil)
	fetches = batchLevels(fetches)
	for _, f := range fetches {
		f.Targets = f.Targets[:0]
		for i, pt := range f.Parts {
			pt.Key, pt.Var = "_entities", "representations"
			if i > 0 {
				pt.Key, pt.Var = fmt.Sprintf("_entities_%d", i), fmt.Sprintf("representations_%d", i)
			}
			f.Targets = append(f.Targets, pt.Targets...)
		}
		if f.Entity && len(f.Parts) > 0 {
			f.sel = f.Parts[0].sel
		}
	}
	return fetches
}

// batchLevels merges entity fetches to one subgraph at the same level, then
// moves fetches nothing depends on into the nearest later fetch to their
// subgraph. Neither changes the level of any fetch.
func batchLevels(fetches []*Fetch) []*Fetch {
	level := make([]int, len(fetches))
	needed := make([]bool, len(fetches)) // some fetch depends on it
	for _, f := range fetches {
		for _, d := range f.DependsOn {
			level[f.ID] = max(level[f.ID], level[d]+1)
			needed[d] = true
		}
	}
	into := identity(len(fetches))
	merged := false
	hosts := map[string]*Fetch{}
	for _, f := range fetches {
		if !f.Entity {
			continue
		}
		key := fmt.Sprintf("%s|%d", f.Subgraph, level[f.ID])
		if h := hosts[key]; h != nil {
			absorb(h, f)
			into[f.ID] = h.ID
			needed[h.ID] = needed[h.ID] || needed[f.ID]
			merged = true
			continue
		}
		hosts[key] = f
	}
	for _, f := range fetches {
		if !f.Entity || into[f.ID] != f.ID || needed[f.ID] {
			continue
		}
		var later *Fetch
		for _, g := range fetches {
			if g.Entity && into[g.ID] == g.ID && g.Subgraph == f.Subgraph && level[g.ID] > level[f.ID] &&
				(later == nil || level[g.ID] < level[later.ID]) {
				later = g
			}
		}
		if later != nil {
			absorb(later, f)
			into[f.ID] = later.ID
			merged = true
		}
	}
	if !merged {
		return fetches
	}
	return keep(fetches, into, level)
}

// absorb merges fetch f into h: each part of f joins a part of h it can share
// an _entities field with, or becomes a part of its own. Parts that read the
// same objects share a field when one representation can serve both.
func absorb(h, f *Fetch) {
	for _, fp := range f.Parts {
		joined := false
		for _, hp := range h.Parts {
			if !compatible(hp.sel, fp.sel) {
				continue
			}
			if !overlapping(hp.Targets, fp.Targets) {
				mergeSel(hp.sel, fp.sel)
				hp.Targets = append(hp.Targets, fp.Targets...)
				joined = true
				break
			}
			if targets, ok := unionTargets(hp.Targets, fp.Targets); ok {
				mergeSel(hp.sel, fp.sel)
				hp.Targets = targets
				joined = true
				break
			}
		}
		if !joined {
			h.Parts = append(h.Parts, fp)
		}
	}
	h.DependsOn = uniqueInts(append(h.DependsOn, f.DependsOn...))
}

// unionTargets combines two target lists that read some of the same objects:
// an object read by both gets one representation with the fields of both. It
// fails when the two ask for one field differently (other arguments, or other
// subselections), as with requirements that differ only in arguments.
func unionTargets(a, b []Target) ([]Target, bool) {
	out := make([]Target, len(a))
	for i, t := range a {
		out[i] = Target{Path: t.Path, Reps: maps.Clone(t.Reps)}
	}
	for _, tb := range b {
		for typ, rb := range tb.Reps {
			at, first := -1, -1
			for i := range out {
				if samePath(out[i].Path, tb.Path) {
					if first < 0 {
						first = i
					}
					if out[i].Reps[typ] != nil {
						at = i
						break
					}
				}
			}
			switch {
			case at >= 0:
				u, ok := unionRep(out[at].Reps[typ], rb)
				if !ok {
					return nil, false
				}
				out[at].Reps[typ] = u
			case first >= 0:
				out[first].Reps[typ] = rb
			default:
				out = append(out, Target{Path: tb.Path, Reps: map[string]*Representation{typ: rb}})
			}
		}
	}
	return out, true
}

// unionRep is a representation with the fields of a and b.
func unionRep(a, b *Representation) (*Representation, bool) {
	if a == b {
		return a, true
	}
	if a.Typename != b.Typename {
		return nil, false
	}
	fields := append([]*operation.Field(nil), a.Fields...)
	for _, bf := range b.Fields {
		af := findField(a.Fields, bf.Name)
		if af == nil {
			fields = append(fields, bf)
			continue
		}
		if af != bf && (af.ResponseKey != bf.ResponseKey || af.Selection != nil || bf.Selection != nil) {
			return nil, false
		}
	}
	return &Representation{Typename: a.Typename, Fields: fields}, true
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// keep drops the fetches merged into others, points dependencies at the
// fetches they merged into and renumbers. With levels, fetches are ordered by
// level (then as before), so every fetch still comes after what it waits for.
func keep(fetches []*Fetch, into, level []int) []*Fetch {
	find := func(id int) int {
		for into[id] != id {
			id = into[id]
		}
		return id
	}
	var out []*Fetch
	for _, f := range fetches {
		if find(f.ID) == f.ID {
			out = append(out, f)
		}
	}
	if level != nil {
		sort.SliceStable(out, func(i, j int) bool { return level[out[i].ID] < level[out[j].ID] })
	}
	newID := make([]int, len(fetches))
	for i, f := range out {
		newID[f.ID] = i
	}
	for _, f := range out {
		deps := make([]int, 0, len(f.DependsOn))
		for _, d := range f.DependsOn {
			deps = append(deps, newID[find(d)])
		}
		f.DependsOn = uniqueInts(deps)
	}
	for i, f := range out {
		f.ID = i
	}
	return out
}

// compatible reports whether two selections can be sent as one: no response
// key is used for different fields.
func compatible(a, b *subSel) bool {
	for _, bf := range b.fields {
		for _, af := range a.fields {
			if af.key != bf.key {
				continue
			}
			if af.name != bf.name || af.wire != bf.wire || !sameArgs(af.args, bf.args) || (af.sel == nil) != (bf.sel == nil) {
				return false
			}
			if af.sel != nil && !compatible(af.sel, bf.sel) {
				return false
			}
		}
	}
	for _, bfr := range b.frags {
		for _, afr := range a.frags {
			if afr.typeCond == bfr.typeCond && !compatible(afr.sel, bfr.sel) {
				return false
			}
		}
	}
	return true
}

// mergeSel adds b's fields and fragments to a.
func mergeSel(a, b *subSel) {
	for _, bf := range b.fields {
		found := false
		for _, af := range a.fields {
			if af.key == bf.key {
				found = true
				if af.sel != nil && bf.sel != nil {
					mergeSel(af.sel, bf.sel)
				}
				break
			}
		}
		if !found {
			a.fields = append(a.fields, bf)
		}
	}
	for _, bfr := range b.frags {
		found := false
		for _, afr := range a.frags {
			if afr.typeCond == bfr.typeCond {
				mergeSel(afr.sel, bfr.sel)
				found = true
				break
			}
		}
		if !found {
			a.frags = append(a.frags, bfr)
		}
	}
}

func targetPaths(f *Fetch) string {
	paths := make([]string, len(f.Targets))
	for i, t := range f.Targets {
		paths[i] = strings.Join(t.Path, ".")
	}
	return strings.Join(paths, ", ")
}

// overlapping reports whether two target lists could send the same object
// twice (same path, a type in common): their answers would overwrite each
// other's fields, as with requirements that differ only in arguments.
func overlapping(a, b []Target) bool {
	for _, ta := range a {
		for _, tb := range b {
			if !samePath(ta.Path, tb.Path) {
				continue
			}
			for t := range ta.Reps {
				if tb.Reps[t] != nil {
					return true
				}
			}
		}
	}
	return false
}
