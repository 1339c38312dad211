// Package supergraph reads a Federation v2 supergraph SDL: which subgraphs
// exist, which subgraph can resolve which field, by which keys, under which
// @requires/@provides conditions. It also derives the API schema clients see.
package supergraph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Graph is one subgraph as declared on the join__Graph enum.
type Graph struct {
	Name string // the name given by @join__graph(name:)
	Enum string // the join__Graph enum value that directives refer to
	URL  string
}

// Supergraph is the typed model of a supergraph SDL.
type Supergraph struct {
	Graphs           []*Graph
	Types            map[string]*Type
	QueryType        string
	MutationType     string
	SubscriptionType string
	// API is the schema clients validate against: join machinery and
	// @inaccessible elements removed.
	API    *ast.Schema
	APISDL string
	// ExplicitImplements is set when the supergraph records per-subgraph
	// interface implementations (join v0.2+); otherwise every subgraph that
	// knows an object is assumed to see all its interfaces.
	ExplicitImplements bool
	// OverrideLabels lists the progressive @override labels in use.
	OverrideLabels []string

	graphByEnum map[string]*Graph
}

// Type is a named type of the supergraph with its per-subgraph views.
type Type struct {
	Name       string
	Kind       ast.DefinitionKind
	Fields     map[string]*Field
	Interfaces []string // interfaces implemented (objects and interfaces)
	Members    []string // union members
	// Possible lists the object types this type may resolve to at runtime.
	Possible     []string
	Graphs       map[string]*TypeGraph
	Inaccessible bool
}

// TypeGraph is how one subgraph knows a type.
type TypeGraph struct {
	Graph           string
	Keys            []*Key
	Extension       bool
	InterfaceObject bool
	Implements      map[string]bool
	Members         map[string]bool
}

// Key is one @key of a type in a subgraph.
type Key struct {
	Fields     string
	Selection  ast.SelectionSet
	Resolvable bool
}

// Field is a field of an object, interface or input type.
type Field struct {
	Name         string
	Type         *ast.Type
	Args         ast.ArgumentDefinitionList
	Inaccessible bool
	// Graphs holds the subgraphs that declare the field; Bare is set when the
	// field carries @join__field without a graph (contributed by an
	// @interfaceObject, resolvable through the interface only).
	Graphs map[string]*FieldGraph
	Bare   bool
}

// FieldGraph is how one subgraph declares a field.
type FieldGraph struct {
	Graph          string
	Requires       string
	RequiresSel    ast.SelectionSet
	Provides       string
	ProvidesSel    ast.SelectionSet
	External       bool
	Type           string
	Override       string
	OverrideLabel  string
	UsedOverridden bool
}

// Resolvable reports whether the subgraph can resolve the field by itself
// when no progressive override label is active.
func (fg *FieldGraph) Resolvable() bool {
	return fg.ResolvableWith(nil)
}

// ResolvableWith reports whether the subgraph can resolve the field given the
// active progressive override labels: a labelled @override moves the field
// to the overriding subgraph only while its label is active.
func (fg *FieldGraph) ResolvableWith(labels map[string]bool) bool {
	if fg == nil || fg.External {
		return false
	}
	if fg.OverrideLabel != "" {
		active := labels[fg.OverrideLabel]
		if fg.Override != "" {
			return active
		}
		return !active
	}
	return !fg.UsedOverridden
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Graph returns the subgraph with the given name, or nil.
func (s *Supergraph) Graph(name string) *Graph {
	for _, g := range s.Graphs {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// IsAbstract reports whether the named type is an interface or union.
func (s *Supergraph) IsAbstract(name string) bool {
	t := s.Types[name]
	return t != nil && (t.Kind == ast.Interface || t.Kind == ast.Union)
}

// IsComposite reports whether the named type has a selection set.
func (s *Supergraph) IsComposite(name string) bool {
	t := s.Types[name]
	return t != nil && (t.Kind == ast.Object || t.Kind == ast.Interface || t.Kind == ast.Union)
}

// Parse reads a supergraph SDL.
func Parse(sdl string) (*Supergraph, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: "supergraph", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("parse supergraph: %w", err)
	}
	s := &Supergraph{Types: map[string]*Type{}, graphByEnum: map[string]*Graph{}}
	s.QueryType, s.MutationType, s.SubscriptionType = "Query", "Mutation", "Subscription"
	for _, sd := range append(append(ast.SchemaDefinitionList{}, doc.Schema...), doc.SchemaExtension...) {
		for _, ot := range sd.OperationTypes {
			switch ot.Operation {
			case ast.Query:
				s.QueryType = ot.Type
			case ast.Mutation:
				s.MutationType = ot.Type
			case ast.Subscription:
				s.SubscriptionType = ot.Type
			}
		}
	}
	defs := append(append(ast.DefinitionList{}, doc.Definitions...), doc.Extensions...)
	for _, d := range defs {
		if d.Name == "join__Graph" {
			for _, v := range d.EnumValues {
				dir := v.Directives.ForName("join__graph")
				if dir == nil {
					continue
				}
				g := &Graph{Enum: v.Name, Name: argString(dir, "name"), URL: argString(dir, "url")}
				s.Graphs = append(s.Graphs, g)
				s.graphByEnum[g.Enum] = g
			}
		}
	}
	if len(s.Graphs) == 0 {
		return nil, fmt.Errorf("supergraph declares no subgraphs (join__Graph)")
	}
	for _, d := range defs {
		if isMachinery(d.Name) {
			continue
		}
		t := s.Types[d.Name]
		if t == nil {
			t = &Type{Name: d.Name, Kind: d.Kind, Fields: map[string]*Field{}, Graphs: map[string]*TypeGraph{}}
			s.Types[d.Name] = t
		}
		if d.Directives.ForName("inaccessible") != nil {
			t.Inaccessible = true
		}
		t.Interfaces = append(t.Interfaces, d.Interfaces...)
		t.Members = append(t.Members, d.Types...)
		if err := s.readTypeDirectives(t, d); err != nil {
			return nil, err
		}
		for _, fd := range d.Fields {
			f := &Field{Name: fd.Name, Type: fd.Type, Args: fd.Arguments, Graphs: map[string]*FieldGraph{}}
			f.Inaccessible = fd.Directives.ForName("inaccessible") != nil
			joins := fd.Directives.ForNames("join__field")
			for _, jd := range joins {
				gv := jd.Arguments.ForName("graph")
				if gv == nil || gv.Value == nil {
					f.Bare = true
					continue
				}
				g := s.graphByEnum[gv.Value.Raw]
				if g == nil {
					return nil, fmt.Errorf("field %s.%s: unknown graph %q", d.Name, fd.Name, gv.Value.Raw)
				}
				fg := &FieldGraph{
					Graph:          g.Name,
					Requires:       argString(jd, "requires"),
					Provides:       argString(jd, "provides"),
					External:       argBool(jd, "external"),
					Type:           argString(jd, "type"),
					Override:       argString(jd, "override"),
					OverrideLabel:  argString(jd, "overrideLabel"),
					UsedOverridden: argBool(jd, "usedOverridden"),
				}
				f.Graphs[g.Name] = fg
				if fg.OverrideLabel != "" && !contains(s.OverrideLabels, fg.OverrideLabel) {
					s.OverrideLabels = append(s.OverrideLabels, fg.OverrideLabel)
				}
			}
			if len(joins) == 0 {
				for gname := range t.Graphs {
					f.Graphs[gname] = &FieldGraph{Graph: gname}
				}
			}
			t.Fields[fd.Name] = f
		}
	}
	s.computePossible()
	if err := s.parseFieldSets(); err != nil {
		return nil, err
	}
	api, apiSDL, err := buildAPISchema(doc)
	if err != nil {
		return nil, err
	}
	s.API, s.APISDL = api, apiSDL
	return s, nil
}

func (s *Supergraph) readTypeDirectives(t *Type, d *ast.Definition) error {
	for _, jd := range d.Directives.ForNames("join__type") {
		g := s.graphByEnum[argRaw(jd, "graph")]
		if g == nil {
			return fmt.Errorf("type %s: unknown graph %q", d.Name, argRaw(jd, "graph"))
		}
		tg := t.Graphs[g.Name]
		if tg == nil {
			tg = &TypeGraph{Graph: g.Name, Implements: map[string]bool{}, Members: map[string]bool{}}
			t.Graphs[g.Name] = tg
		}
		if argBool(jd, "extension") {
			tg.Extension = true
		}
		if argBool(jd, "isInterfaceObject") {
			tg.InterfaceObject = true
		}
		if key := argString(jd, "key"); key != "" {
			resolvable := true
			if a := jd.Arguments.ForName("resolvable"); a != nil && a.Value != nil && a.Value.Raw == "false" {
				resolvable = false
			}
			tg.Keys = append(tg.Keys, &Key{Fields: key, Resolvable: resolvable})
		}
	}
	for _, jd := range d.Directives.ForNames("join__implements") {
		g := s.graphByEnum[argRaw(jd, "graph")]
		if g == nil {
			continue
		}
		s.ExplicitImplements = true
		if tg := t.Graphs[g.Name]; tg != nil {
			tg.Implements[argString(jd, "interface")] = true
		}
	}
	for _, jd := range d.Directives.ForNames("join__unionMember") {
		g := s.graphByEnum[argRaw(jd, "graph")]
		if g == nil {
			continue
		}
		if tg := t.Graphs[g.Name]; tg != nil {
			tg.Members[argString(jd, "member")] = true
		}
	}
	return nil
}

func (s *Supergraph) computePossible() {
	for _, t := range s.Types {
		switch t.Kind {
		case ast.Object:
			t.Possible = []string{t.Name}
		case ast.Union:
			t.Possible = append([]string{}, t.Members...)
		}
	}
	for _, t := range s.Types {
		if t.Kind != ast.Object {
			continue
		}
		for _, i := range t.Interfaces {
			if it := s.Types[i]; it != nil {
				it.Possible = append(it.Possible, t.Name)
			}
		}
	}
	for _, t := range s.Types {
		sort.Strings(t.Possible)
	}
}

func (s *Supergraph) parseFieldSets() error {
	for _, t := range s.Types {
		for _, tg := range t.Graphs {
			for _, k := range tg.Keys {
				sel, err := ParseFieldSet(k.Fields)
				if err != nil {
					return fmt.Errorf("key of %s in %s: %w", t.Name, tg.Graph, err)
				}
				k.Selection = sel
			}
		}
		for _, f := range t.Fields {
			for _, fg := range f.Graphs {
				var err error
				if fg.Requires != "" {
					if fg.RequiresSel, err = ParseFieldSet(fg.Requires); err != nil {
						return fmt.Errorf("requires of %s.%s: %w", t.Name, f.Name, err)
					}
				}
				if fg.Provides != "" {
					if fg.ProvidesSel, err = ParseFieldSet(fg.Provides); err != nil {
						return fmt.Errorf("provides of %s.%s: %w", t.Name, f.Name, err)
					}
				}
			}
		}
	}
	return nil
}

// ParseFieldSet parses a join__FieldSet ("id organization { id }").
func ParseFieldSet(fields string) (ast.SelectionSet, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: "{" + fields + "}"})
	if err != nil {
		return nil, err
	}
	if len(doc.Operations) != 1 {
		return nil, fmt.Errorf("invalid field set %q", fields)
	}
	return doc.Operations[0].SelectionSet, nil
}

// TypeGraphsWithKeys returns, in subgraph order, the subgraph names that can
// resolve entities of the type through a resolvable key.
func (s *Supergraph) GraphNames() []string {
	out := make([]string, len(s.Graphs))
	for i, g := range s.Graphs {
		out[i] = g.Name
	}
	return out
}

func isMachinery(name string) bool {
	return strings.HasPrefix(name, "join__") || strings.HasPrefix(name, "link__") || strings.HasPrefix(name, "core__")
}

func argRaw(d *ast.Directive, name string) string {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return ""
	}
	return a.Value.Raw
}

func argString(d *ast.Directive, name string) string { return argRaw(d, name) }

func argBool(d *ast.Directive, name string) bool { return argRaw(d, name) == "true" }
