// Package operation parses and validates a client operation against the API
// schema and normalises it: fragments inlined, @skip/@include decided,
// duplicate fields merged, abstract selections expanded per object type.
package operation

import (
	"fmt"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"
)

// Operation is a normalised client operation, ready for planning.
type Operation struct {
	Kind      ast.Operation
	Name      string
	RootType  string
	Selection *SelectionSet
	VarDefs   ast.VariableDefinitionList
	Variables map[string]any
}

// SelectionSet is the selection of a composite type. ByType holds, for each
// object type the position may resolve to, the fields to return for it.
// Common holds the fields that apply whatever the object type is.
type SelectionSet struct {
	TypeName string
	Abstract bool
	Types    []string
	ByType   map[string][]*Field
	Common   []*Field
}

// Field is one response key of a selection.
type Field struct {
	ResponseKey string
	Name        string
	Arguments   ast.ArgumentList
	Type        *ast.Type
	Selection   *SelectionSet
	// Raw is the first AST field merged into this one (introspection reads it).
	Raw *ast.Field
}

// Uniform reports whether every object type selects exactly the common
// fields, i.e. the selection has no type-specific parts.
func (s *SelectionSet) Uniform() bool {
	for _, t := range s.Types {
		fs := s.ByType[t]
		if len(fs) != len(s.Common) {
			return false
		}
		for i := range fs {
			if fs[i].ResponseKey != s.Common[i].ResponseKey || fs[i].Name != s.Common[i].Name {
				return false
			}
		}
	}
	return true
}

// FieldsFor returns the fields to resolve for an object of the given type.
func (s *SelectionSet) FieldsFor(typename string) ([]*Field, bool) {
	if fs, ok := s.ByType[typename]; ok {
		return fs, true
	}
	if !s.Abstract {
		return s.ByType[s.TypeName], true
	}
	return s.Common, false
}

type normalizer struct {
	schema    *ast.Schema
	doc       *ast.QueryDocument
	variables map[string]any
	depth     int
}

// Normalize turns a validated operation into its normalised form.
func Normalize(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, variables map[string]any) (*Operation, error) {
	root := schema.Query
	switch op.Operation {
	case ast.Mutation:
		root = schema.Mutation
	case ast.Subscription:
		root = schema.Subscription
	}
	if root == nil {
		return nil, fmt.Errorf("schema does not support %s", op.Operation)
	}
	n := &normalizer{schema: schema, doc: doc, variables: variables}
	sel, err := n.selectionSet(root, []ast.SelectionSet{op.SelectionSet}, 1)
	if err != nil {
		return nil, err
	}
	return &Operation{
		Kind: op.Operation, Name: op.Name, RootType: root.Name,
		Selection: sel, VarDefs: op.VariableDefinitions, Variables: variables,
	}, nil
}

func (n *normalizer) selectionSet(def *ast.Definition, sets []ast.SelectionSet, depth int) (*SelectionSet, error) {
	if depth > n.depth {
		n.depth = depth
	}
	s := &SelectionSet{TypeName: def.Name, ByType: map[string][]*Field{}}
	if def.IsAbstractType() {
		s.Abstract = true
		for _, p := range n.schema.GetPossibleTypes(def) {
			if p.Kind == ast.Object {
				s.Types = append(s.Types, p.Name)
			}
		}
		sort.Strings(s.Types)
	} else {
		s.Types = []string{def.Name}
	}
	var err error
	if s.Common, err = n.fields(def, sets, depth); err != nil {
		return nil, err
	}
	for _, t := range s.Types {
		if t == def.Name {
			s.ByType[t] = s.Common
			continue
		}
		if s.ByType[t], err = n.fields(n.schema.Types[t], sets, depth); err != nil {
			return nil, err
		}
	}
	return s, nil
}

type collected struct {
	key    string
	fields []*ast.Field
}

// fields collects and merges the fields that apply to objects of type def.
func (n *normalizer) fields(def *ast.Definition, sets []ast.SelectionSet, depth int) ([]*Field, error) {
	var order []*collected
	index := map[string]*collected{}
	visited := map[string]bool{}
	var walk func(ast.SelectionSet) error
	walk = func(set ast.SelectionSet) error {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				ok, err := n.included(sel.Directives)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				key := sel.Alias
				if key == "" {
					key = sel.Name
				}
				c := index[key]
				if c == nil {
					c = &collected{key: key}
					index[key] = c
					order = append(order, c)
				}
				c.fields = append(c.fields, sel)
			case *ast.InlineFragment:
				ok, err := n.included(sel.Directives)
				if err != nil {
					return err
				}
				if !ok || !n.applies(sel.TypeCondition, def) {
					continue
				}
				if err := walk(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				ok, err := n.included(sel.Directives)
				if err != nil {
					return err
				}
				if !ok || visited[sel.Name] {
					continue
				}
				frag := n.doc.Fragments.ForName(sel.Name)
				if frag == nil {
					return fmt.Errorf("unknown fragment %q", sel.Name)
				}
				if !n.applies(frag.TypeCondition, def) {
					continue
				}
				visited[sel.Name] = true
				if err := walk(frag.SelectionSet); err != nil {
					return err
				}
				delete(visited, sel.Name)
			}
		}
		return nil
	}
	for _, set := range sets {
		if err := walk(set); err != nil {
			return nil, err
		}
	}
	out := make([]*Field, 0, len(order))
	for _, c := range order {
		first := c.fields[0]
		f := &Field{ResponseKey: c.key, Name: first.Name, Arguments: first.Arguments, Raw: first}
		if first.Name == "__typename" {
			f.Type = ast.NonNullNamedType("String", nil)
			out = append(out, f)
			continue
		}
		fd := def.Fields.ForName(first.Name)
		if fd == nil && first.Definition != nil && (first.Name == "__schema" || first.Name == "__type") {
			fd = first.Definition
		}
		if fd == nil {
			// the field exists on the abstract type but not on this object (cannot
			// happen after validation) or is an introspection field.
			if first.Definition == nil {
				continue
			}
			fd = first.Definition
		}
		f.Type = fd.Type
		child := n.schema.Types[fd.Type.Name()]
		if child != nil && (child.Kind == ast.Object || child.Kind == ast.Interface || child.Kind == ast.Union) {
			var subs []ast.SelectionSet
			for _, af := range c.fields {
				subs = append(subs, af.SelectionSet)
			}
			if first.Name == "__schema" || first.Name == "__type" {
				f.Selection = &SelectionSet{TypeName: child.Name}
			} else {
				sel, err := n.selectionSet(child, subs, depth+1)
				if err != nil {
					return nil, err
				}
				f.Selection = sel
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// applies reports whether a fragment with the type condition applies to
// objects of (or positions typed) def.
func (n *normalizer) applies(cond string, def *ast.Definition) bool {
	if cond == "" || cond == def.Name {
		return true
	}
	if def.Kind == ast.Object {
		c := n.schema.Types[cond]
		if c == nil {
			return false
		}
		for _, p := range n.schema.GetPossibleTypes(c) {
			if p.Name == def.Name {
				return true
			}
		}
		return false
	}
	return false
}

func (n *normalizer) included(dirs ast.DirectiveList) (bool, error) {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		a := d.Arguments.ForName("if")
		if a == nil || a.Value == nil {
			continue
		}
		v, err := a.Value.Value(n.variables)
		if err != nil {
			return false, err
		}
		b, _ := v.(bool)
		if d.Name == "skip" && b {
			return false, nil
		}
		if d.Name == "include" && !b {
			return false, nil
		}
	}
	return true, nil
}
