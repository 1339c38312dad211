// Package plan turns a normalised operation into a tree of subgraph fetches
// using the supergraph's ownership model. It performs no I/O.
package plan

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// Plan is a set of fetches ordered so that every fetch comes after the
// fetches it depends on. Independent fetches may run in parallel.
type Plan struct {
	Kind    ast.Operation
	Fetches []*Fetch
}

// Fetch is one request to one subgraph. Entity fetches read the objects found
// at Path in the response so far, send them as representations and merge the
// results back into them.
type Fetch struct {
	ID        int
	Subgraph  string
	Entity    bool
	Mutation  bool
	Path      []string // response keys; "@" walks into a list
	Query     string
	Variables []string // client variables the query uses
	// Reps maps the __typename of an object found at Path to the
	// representation to send for it; objects of other types are skipped.
	Reps      map[string]*Representation
	DependsOn []int
	// Targets are the paths an entity fetch serves once entity fetches to
	// the same subgraph are batched: those of every part.
	Targets []Target
	// Parts are the _entities fields of an entity fetch; the executor reads
	// these. Most fetches have one; batched fetches whose selections or
	// representations cannot be combined keep one aliased field each.
	Parts []*Part

	sel     *subSel
	renames bool
}

// Representation describes how to build the `_Any` sent for one object.
type Representation struct {
	Typename string
	Fields   []*operation.Field
}

// Options tune planning.
type Options struct {
	// Labels are the active progressive @override labels.
	Labels map[string]bool
}

// Build plans the operation.
func Build(sg *supergraph.Supergraph, op *operation.Operation) (*Plan, error) {
	return BuildWith(sg, op, Options{})
}

// BuildWith plans the operation with options.
func BuildWith(sg *supergraph.Supergraph, op *operation.Operation, opts Options) (*Plan, error) {
	p := &planner{sg: sg, op: op, reuse: map[string]*Fetch{}, labels: opts.Labels}
	if err := p.root(); err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	p.fetches = batch(p.fetches)
	for _, f := range p.fetches {
		kind := "query"
		if f.Mutation {
			kind = "mutation"
		}
		if f.Entity {
			f.Query, f.Variables = renderEntities(f.Parts, op.VarDefs)
			for _, pt := range f.Parts {
				pt.renames = pt.sel.hasWire()
				f.renames = f.renames || pt.renames
			}
			continue
		}
		f.Query, f.Variables = render(kind, f.Entity, f.sel, op.VarDefs)
		f.renames = f.sel.hasWire()
	}
	return &Plan{Kind: op.Kind, Fetches: p.fetches}, nil
}

// maxFrames bounds planning recursion (selection depth plus entity jumps).
const maxFrames = 256

type planner struct {
	sg      *supergraph.Supergraph
	op      *operation.Operation
	fetches []*Fetch
	reuse   map[string]*Fetch
	depth   int
	err     error
	stack   []*frame
	labels  map[string]bool
}

func (p *planner) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *planner) newFetch(graph string, entity bool, path []string, deps []int) *Fetch {
	f := &Fetch{ID: len(p.fetches), Subgraph: graph, Entity: entity, Path: append([]string(nil), path...), sel: &subSel{}}
	if entity {
		f.Reps = map[string]*Representation{}
	}
	f.DependsOn = uniqueInts(deps)
	if entity {
		f.sel.leaf("__typename", "__typename", nil)
	}
	p.fetches = append(p.fetches, f)
	return f
}

func (p *planner) root() error {
	sel := p.op.Selection
	fields := sel.ByType[sel.TypeName]
	mutation := p.op.Kind == ast.Mutation
	groups := map[string]*Fetch{}
	for _, fld := range fields {
		if strings.HasPrefix(fld.Name, "__") {
			continue
		}
		cands := p.rootCandidates(sel.TypeName, fld.Name)
		if len(cands) == 0 {
			return fmt.Errorf("no subgraph can resolve %s.%s", sel.TypeName, fld.Name)
		}
		graph := cands[0]
		if len(cands) > 1 {
			best := -1
			for _, g := range cands {
				c := p.cost(g, sel.TypeName, []*operation.Field{fld})
				if _, used := groups[g]; used && !mutation {
					c -= 1000
				}
				if best < 0 || c < best {
					best, graph = c, g
				}
			}
		}
		var f *Fetch
		if mutation {
			deps := make([]int, len(p.fetches))
			for i := range deps {
				deps[i] = i
			}
			f = p.newFetch(graph, false, nil, deps)
			f.Mutation = true
		} else if f = groups[graph]; f == nil {
			f = p.newFetch(graph, false, nil, nil)
			groups[graph] = f
		}
		p.planFields(f, graph, sel.TypeName, []*operation.Field{fld}, nil, f.sel, nil, false)
	}
	return nil
}

func (p *planner) rootCandidates(typ, name string) []string {
	t := p.sg.Types[typ]
	if t == nil || t.Fields[name] == nil {
		return nil
	}
	var out []string
	for _, g := range p.sg.Graphs {
		if fg := t.Fields[name].Graphs[g.Name]; fg.ResolvableWith(p.labels) {
			out = append(out, g.Name)
		}
	}
	return out
}

// cost plans fields in a scratch planner and counts the fetches it needed.
func (p *planner) cost(graph, typ string, fields []*operation.Field) int {
	scratch := &planner{sg: p.sg, op: p.op, reuse: map[string]*Fetch{}, depth: p.depth, labels: p.labels}
	f := scratch.newFetch(graph, false, nil, nil)
	scratch.planFields(f, graph, typ, fields, nil, f.sel, nil, false)
	// fewer fetches first, then less data asked of entity fetches
	c := len(scratch.fetches) * 1000
	for _, sf := range scratch.fetches[1:] {
		c += sf.sel.size()
	}
	if scratch.err != nil {
		c += 1000000
	}
	return c
}

// planFields resolves fields of type typ at path from subgraph sub inside
// fetch f, writing the subgraph selection into `into`. It returns the ids of
// the fetches it had to add.
func (p *planner) planFields(f *Fetch, sub, typ string, fields []*operation.Field, path []string, into *subSel, provided *operation.SelectionSet, requiresMet bool) []int {
	var created []int
	var pending []*operation.Field
	var provFields []*operation.Field
	if provided != nil {
		provFields, _ = provided.FieldsFor(typ)
	}
	if len(p.stack) > maxFrames {
		p.fail("cannot plan %s: selection too deep", typ)
		return nil
	}
	fr := &frame{f: f, sub: sub, typ: typ, path: path, into: into}
	p.stack = append(p.stack, fr)
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()
	for _, fld := range fields {
		if fld.Name == "__typename" {
			into.leaf(fld.ResponseKey, "__typename", nil)
			continue
		}
		if strings.HasPrefix(fld.Name, "__") {
			continue
		}
		pf := findField(provFields, fld.Name)
		if pf == nil && !p.local(sub, typ, fld.Name, requiresMet) {
			pending = append(pending, fld)
			continue
		}
		fg := p.fieldGraph(sub, typ, fld.Name)
		subType := fld.Type.Name()
		if fg != nil && fg.Type != "" {
			subType = strings.Trim(fg.Type, "[]!")
		}
		if fld.Selection == nil {
			into.leaf(fld.ResponseKey, fld.Name, fld.Arguments)
		} else {
			child := into.object(fld.ResponseKey, fld.Name, fld.Arguments)
			var childProv *operation.SelectionSet
			if pf != nil {
				childProv = pf.Selection
			}
			if fg != nil && fg.ProvidesSel != nil {
				childProv = p.fieldSet(fld.Type.Name(), fg.ProvidesSel)
			}
			fr.child = fld
			created = append(created, p.planSelection(f, sub, fld.Selection, subType, appendPath(path, fld), child, childProv)...)
			fr.child = nil
		}
		if into.inFrag && fg != nil && fg.Type != "" && fg.Type != fld.Type.String() {
			into.setWire(fld.ResponseKey, "_"+fld.ResponseKey+"_"+typ)
		}
	}
	if len(pending) > 0 {
		var viaParent []int
		viaParent, pending = p.throughParent(sub, typ, pending, path)
		created = append(created, viaParent...)
	}
	if len(pending) > 0 {
		created = append(created, p.jump(f, sub, typ, pending, path, into, provided)...)
	}
	return created
}

func (p *planner) planSelection(f *Fetch, sub string, sel *operation.SelectionSet, subType string, path []string, into *subSel, provided *operation.SelectionSet) []int {
	if !sel.Abstract {
		return p.planFields(f, sub, sel.TypeName, sel.ByType[sel.TypeName], path, into, provided, false)
	}
	into.leaf("__typename", "__typename", nil)
	if len(sel.Types) == 0 {
		// no object type implements the interface: plan its own fields so an
		// unresolvable one is still reported
		return p.planFields(f, sub, sel.TypeName, sel.Common, path, into, provided, false)
	}
	if st := p.sg.Types[subType]; st != nil && st.Kind == ast.Object {
		// the subgraph declares the field with an object type
		return p.planFields(f, sub, subType, sel.ByType[subType], path, into, provided, false)
	}
	abstract := sel.TypeName
	if subType != "" && p.sg.IsAbstract(subType) {
		abstract = subType
	}
	if at := p.sg.Types[sel.TypeName]; at != nil {
		if tg := at.Graphs[sub]; tg != nil && tg.InterfaceObject {
			return p.planInterfaceObject(f, sub, sel, path, into, provided)
		}
	}
	var created []int
	safe := p.safeMembers(sub, abstract)
	for _, c := range sel.Types {
		if !p.knowsMember(sub, abstract, c) || (safe != nil && !safe[c]) {
			continue
		}
		created = append(created, p.planFields(f, sub, c, sel.ByType[c], path, into.fragment(c), provided, false)...)
	}
	return created
}

// planInterfaceObject plans an interface position in a subgraph that only
// knows the interface as an @interfaceObject and so cannot tell the object type.
func (p *planner) planInterfaceObject(f *Fetch, sub string, sel *operation.SelectionSet, path []string, into *subSel, provided *operation.SelectionSet) []int {
	iface := sel.TypeName
	if sel.Uniform() && findField(sel.Common, "__typename") == nil {
		return p.planFields(f, sub, iface, sel.Common, path, into, provided, false)
	}
	it := p.sg.Types[iface]
	for _, g := range p.sg.Graphs {
		tg := it.Graphs[g.Name]
		if tg == nil || tg.InterfaceObject {
			continue
		}
		for _, key := range tg.Keys {
			if !key.Resolvable || !p.keyLocal(sub, iface, key.Selection, provided) {
				continue
			}
			keyFields := unclashed(into, p.fieldSet(iface, key.Selection).Common)
			created := p.planFields(f, sub, iface, keyFields, path, into, provided, false)
			ef := p.entityFetch(f, g.Name, path, created, "iface")
			ef.Reps[iface] = &Representation{Typename: iface, Fields: keyFields}
			ef.sel.leaf("__typename", "__typename", nil)
			created = append(created, ef.ID)
			for _, c := range sel.Types {
				if !p.knowsMember(g.Name, iface, c) {
					continue
				}
				created = append(created, p.planFields(ef, g.Name, c, sel.ByType[c], path, ef.sel.fragment(c), nil, false)...)
			}
			return created
		}
	}
	p.fail("cannot resolve the object type of %s from subgraph %s", iface, sub)
	return nil
}

func (p *planner) knowsMember(graph, abstract, object string) bool {
	at := p.sg.Types[abstract]
	ot := p.sg.Types[object]
	if at == nil || ot == nil {
		return false
	}
	otg := ot.Graphs[graph]
	if otg == nil {
		return false
	}
	if at.Kind == ast.Union {
		atg := at.Graphs[graph]
		if atg == nil {
			return false
		}
		if len(atg.Members) == 0 {
			return true
		}
		return atg.Members[object]
	}
	if !p.sg.ExplicitImplements {
		for _, i := range ot.Interfaces {
			if i == abstract {
				return at.Graphs[graph] != nil
			}
		}
		return false
	}
	return otg.Implements[abstract]
}

func (p *planner) fieldGraph(graph, typ, name string) *supergraph.FieldGraph {
	t := p.sg.Types[typ]
	if t == nil {
		return nil
	}
	f := t.Fields[name]
	if f == nil {
		return nil
	}
	return f.Graphs[graph]
}

// local reports whether subgraph graph resolves typ.name by itself.
func (p *planner) local(graph, typ, name string, requiresMet bool) bool {
	fg := p.fieldGraph(graph, typ, name)
	if fg == nil {
		return false
	}
	if fg.ResolvableWith(p.labels) {
		return fg.Requires == "" || requiresMet
	}
	return false
}

// keyLocal reports whether every field of a field set resolves in graph.
func (p *planner) keyLocal(graph, typ string, sel ast.SelectionSet, provided *operation.SelectionSet) bool {
	var provFields []*operation.Field
	if provided != nil {
		provFields, _ = provided.FieldsFor(typ)
	}
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			pf := findField(provFields, s.Name)
			if pf == nil && !p.local(graph, typ, s.Name, false) {
				return false
			}
			if len(s.SelectionSet) > 0 {
				fd := p.sg.Types[typ].Fields[s.Name]
				var childProv *operation.SelectionSet
				if pf != nil {
					childProv = pf.Selection
				}
				if !p.keyLocal(graph, fd.Type.Name(), s.SelectionSet, childProv) {
					return false
				}
			}
		case *ast.InlineFragment:
			if !p.keyLocal(graph, s.TypeCondition, s.SelectionSet, provided) {
				return false
			}
		}
	}
	return true
}

func findField(fields []*operation.Field, name string) *operation.Field {
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func appendPath(path []string, fld *operation.Field) []string {
	out := make([]string, 0, len(path)+2)
	out = append(out, path...)
	out = append(out, fld.ResponseKey)
	for t := fld.Type; t != nil && t.Elem != nil; t = t.Elem {
		out = append(out, "@")
	}
	return out
}

func uniqueInts(in []int) []int {
	if len(in) == 0 {
		return nil
	}
	sort.Ints(in)
	out := in[:1]
	for _, v := range in[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// internalAlias names a planner-added field with arguments so it never
// collides with a client field of the same name and other arguments.
func internalAlias(name string, args ast.ArgumentList) string {
	h := fnv.New32a()
	for _, a := range args {
		h.Write([]byte(a.Name))
		h.Write([]byte(a.Value.String()))
	}
	return "_" + name + "_" + strconv.FormatUint(uint64(h.Sum32()), 36)
}
