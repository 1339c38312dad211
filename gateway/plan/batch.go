package plan

import (
	"fmt"
	"strings"
)

// Target is one place an entity fetch reads objects from.
type Target struct {
	Path []string
	// Reps maps the __typename of an object found at Path to the
	// representation to send for it; objects of other types are skipped.
	Reps map[string]*Representation
}

// batch merges entity fetches that go to the same subgraph once the same
// fetches are done, so each step sends one _entities request per subgraph
// for the objects of every path it covers. Fetch ids are renumbered.
func batch(fetches []*Fetch) []*Fetch {
	for _, f := range fetches {
		if f.Entity {
			f.Targets = []Target{{Path: f.Path, Reps: f.Reps}}
		}
	}
	into := make([]int, len(fetches)) // fetch id -> id of the fetch it merged into
	for i := range into {
		into[i] = i
	}
	hosts := map[string][]*Fetch{}
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
		merged := false
		for _, h := range hosts[key] {
			if !compatible(h.sel, f.sel) || overlapping(h.Targets, f.Targets) {
				continue
			}
			mergeSel(h.sel, f.sel)
			h.Targets = append(h.Targets, f.Targets...)
			into[f.ID] = h.ID
			merged = true
			break
		}
		if !merged {
			hosts[key] = append(hosts[key], f)
		}
	}
	var out []*Fetch
	newID := make([]int, len(fetches))
	for _, f := range fetches {
		if into[f.ID] != f.ID {
			continue
		}
		newID[f.ID] = len(out)
		out = append(out, f)
	}
	for _, f := range out {
		deps := make([]int, 0, len(f.DependsOn))
		for _, d := range f.DependsOn {
			deps = append(deps, newID[into[d]])
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
