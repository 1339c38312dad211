// Package cost estimates what an operation will cost before it runs, in the style of the IBM
// GraphQL cost specification and Apollo's demand control: a field returning an object,
// interface or union costs 1, a scalar or enum field 0, a mutation 10 more, and a list field
// multiplies what it holds by its expected length. @cost(weight) on a field or type and
// @listSize(assumedSize, slicingArguments, sizedFields) on a field, when the supergraph carries
// them, replace those defaults.
package cost

import (
	"fmt"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/shopgraph/shopgraph/gateway/operation"
)

// Options tune the estimate where the schema says nothing.
type Options struct {
	// DefaultListSize is the length assumed for a list that no argument or @listSize bounds
	// (default 10).
	DefaultListSize int
	// SlicingArguments are the arguments that bound a list when its field has no @listSize
	// (default first, last, limit). The largest one given wins.
	SlicingArguments []string
	// SizedFields are the lists inside a connection that a slicing argument of the field
	// returning the connection sizes, when the field has no @listSize (default edges, nodes).
	SizedFields []string
	// MutationWeight is added once per mutation (default 10).
	MutationWeight int
}

func (o *Options) defaults() {
	if o.DefaultListSize <= 0 {
		o.DefaultListSize = 10
	}
	if o.SlicingArguments == nil {
		o.SlicingArguments = []string{"first", "last", "limit"}
	}
	if o.SizedFields == nil {
		o.SizedFields = []string{"edges", "nodes"}
	}
	if o.MutationWeight == 0 {
		o.MutationWeight = 10
	}
}

// Estimator computes operation costs against one schema. It is safe for concurrent use.
type Estimator struct {
	opts  Options
	rules map[string]map[string]*rule // type → field → rule
}

// rule is everything the estimate needs to know about one field, worked out once.
type rule struct {
	weight  int  // what the field itself costs
	list    bool // the field returns a list
	assumed int  // the list's length when no slicing argument is given; 0: DefaultListSize
	slicing []slicingArg
	sized   []string // lists in the returned object that the slicing arguments size
}

type slicingArg struct {
	name string
	def  *ast.Value // the argument's default, nil when it has none
}

// New prepares an estimator for the API schema. supergraphSDL, when given, is read for @cost
// and @listSize, which the API schema does not keep.
func New(api *ast.Schema, supergraphSDL string, opts Options) (*Estimator, error) {
	opts.defaults()
	d := directives{fields: map[string]map[string]ast.DirectiveList{}, types: map[string]ast.DirectiveList{}}
	if supergraphSDL != "" {
		doc, err := parser.ParseSchema(&ast.Source{Name: "supergraph", Input: supergraphSDL})
		if err != nil {
			return nil, fmt.Errorf("cost: parse supergraph: %w", err)
		}
		d.read(doc)
	}
	e := &Estimator{opts: opts, rules: map[string]map[string]*rule{}}
	for name, def := range api.Types {
		if def.Kind != ast.Object && def.Kind != ast.Interface {
			continue
		}
		fields := map[string]*rule{}
		for _, f := range def.Fields {
			r, err := e.rule(api, def, f, d)
			if err != nil {
				return nil, err
			}
			fields[f.Name] = r
		}
		e.rules[name] = fields
	}
	return e, nil
}

func (e *Estimator) rule(api *ast.Schema, parent *ast.Definition, f *ast.FieldDefinition, d directives) (*rule, error) {
	r := &rule{list: isList(f.Type)}
	if t := api.Types[f.Type.Name()]; t != nil && (t.Kind == ast.Object || t.Kind == ast.Interface || t.Kind == ast.Union) {
		r.weight = 1
	}
	if w, ok, err := weight(d.types[f.Type.Name()]); err != nil {
		return nil, fmt.Errorf("cost: type %s: %w", f.Type.Name(), err)
	} else if ok {
		r.weight = w
	}
	fieldDirs := d.fields[parent.Name][f.Name]
	if w, ok, err := weight(fieldDirs); err != nil {
		return nil, fmt.Errorf("cost: %s.%s: %w", parent.Name, f.Name, err)
	} else if ok {
		r.weight = w
	}
	slicing := e.opts.SlicingArguments
	if ls := find(fieldDirs, "listSize"); ls != nil {
		slicing = nil
		if a := ls.Arguments.ForName("assumedSize"); a != nil && a.Value != nil && a.Value.Kind == ast.IntValue {
			n, err := strconv.Atoi(a.Value.Raw)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("cost: %s.%s: @listSize assumedSize %q", parent.Name, f.Name, a.Value.Raw)
			}
			r.assumed = n
		}
		slicing = strings(ls.Arguments.ForName("slicingArguments"))
		r.sized = strings(ls.Arguments.ForName("sizedFields"))
	} else if !r.list {
		// A field that takes a slicing argument but returns one object is a connection: the
		// argument sizes its edges.
		r.sized = e.opts.SizedFields
	}
	for _, name := range slicing {
		if a := f.Arguments.ForName(name); a != nil {
			r.slicing = append(r.slicing, slicingArg{name: name, def: a.DefaultValue})
		}
	}
	if len(r.slicing) == 0 && find(fieldDirs, "listSize") == nil {
		r.sized = nil
	}
	return r, nil
}

func isList(t *ast.Type) bool { return t != nil && t.Elem != nil }

// Estimate returns the cost of the normalised operation with the request's variables.
func (e *Estimator) Estimate(op *operation.Operation, vars map[string]any) int {
	total := e.selection(op.Selection, vars, nil, 0)
	if op.Kind == ast.Mutation {
		total += e.opts.MutationWeight
	}
	return total
}

// selection costs a selection set: the dearest of the object types it may resolve to. sized
// lists the child lists that size bounds (from the parent's slicing arguments).
func (e *Estimator) selection(s *operation.SelectionSet, vars map[string]any, sized []string, size int) int {
	if s == nil {
		return 0
	}
	best := 0
	for _, t := range s.Types {
		fields, _ := s.FieldsFor(t)
		rules := e.rules[t]
		sum := 0
		for _, f := range fields {
			sum = saturate(sum, e.field(rules[f.Name], f, vars, sized, size))
		}
		best = max(best, sum)
	}
	return best
}

func (e *Estimator) field(r *rule, f *operation.Field, vars map[string]any, sized []string, size int) int {
	if r == nil { // __typename and introspection fields
		return 0
	}
	own, childSized, childSize := r.weight, []string(nil), 0
	n, sliced := e.slice(r, f, vars)
	if len(r.sized) > 0 {
		childSized, childSize = r.sized, n
		if !sliced {
			childSize = e.listSize(r)
		}
	}
	cost := saturate(own, e.selection(f.Selection, vars, childSized, childSize))
	if !r.list {
		return cost
	}
	switch {
	case contains(sized, f.Name):
		n = size
	case len(r.sized) > 0 || !sliced:
		n = e.listSize(r)
	}
	return saturateMul(n, cost)
}

// slice returns the largest slicing argument given (or defaulted) on the field.
func (e *Estimator) slice(r *rule, f *operation.Field, vars map[string]any) (int, bool) {
	n, ok := 0, false
	for _, sa := range r.slicing {
		v := sa.def
		if a := f.Arguments.ForName(sa.name); a != nil {
			v = a.Value
		}
		if v == nil {
			continue
		}
		val, err := v.Value(vars)
		if err != nil {
			continue
		}
		var m int
		switch x := val.(type) {
		case int64:
			m = int(x)
		case int:
			m = x
		case float64:
			m = int(x)
		case string: // literal values of Int arguments come back as text
			if m, err = strconv.Atoi(x); err != nil {
				continue
			}
		default:
			continue
		}
		n, ok = max(n, m), true
	}
	return max(n, 0), ok
}

func (e *Estimator) listSize(r *rule) int {
	if r.assumed > 0 {
		return r.assumed
	}
	return e.opts.DefaultListSize
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Costs saturate instead of overflowing, so a hostile operation cannot wrap around to cheap.
const ceiling = 1 << 40

func saturate(a, b int) int { return min(a+b, ceiling) }

func saturateMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > ceiling/b {
		return ceiling
	}
	return a * b
}
