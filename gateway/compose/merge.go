package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// supergraph is the merged view of every subgraph's types, with where each part came from.
type supergraph struct {
	graphs []*graph
	types  map[string]*typeDef
	order  []string
	roots  map[string]bool // operation types present: query, mutation, subscription
	hidden bool            // some element is @inaccessible: the supergraph links the spec
	// usedAsInput holds the enums that appear in arguments or input fields.
	usedAsInput map[string]bool
	custom      map[string]*customDirective // composed directives, by name
	customOrder []string
}

type typeDef struct {
	name        string
	kind        ast.DefinitionKind
	description string
	joins       []typeJoin
	fields      []*fieldDef
	fieldIndex  map[string]*fieldDef
	implements  []memberJoin // object or interface → interface, per graph
	members     []memberJoin // union → member, per graph
	values      []*enumValue
	hidden      bool
	shareable   map[string]bool // graph → the type is @shareable there
	applied     []string        // composed directives, printed
}

type typeJoin struct {
	graph      string
	key        string
	extension  bool
	resolvable bool
}

type memberJoin struct{ graph, name string }

type fieldDef struct {
	name        string
	description string
	typ         *ast.Type
	args        ast.ArgumentDefinitionList
	defaultVal  *ast.Value // input fields
	joins       []fieldJoin
	hidden      bool
	deprecated  *ast.Directive
	// demand holds the field's @cost and @listSize (Federation v2.9 demand control), as the
	// first subgraph to set each gave them.
	demand  ast.DirectiveList
	applied []string // composed directives, printed
}

type fieldJoin struct {
	graph     string
	typ       *ast.Type
	external  bool
	shareable bool
	key       bool // part of a key of the type in this graph
	requires  string
	provides  string
	override  string
	// usedOverridden: another subgraph took the field with @override, but this one still
	// needs it for a key.
	usedOverridden bool
}

type enumValue struct {
	name        string
	description string
	graphs      []string
	hidden      bool
	deprecated  *ast.Directive
}

func newSupergraph(graphs []*graph) *supergraph {
	return &supergraph{graphs: graphs, types: map[string]*typeDef{}, roots: map[string]bool{}, usedAsInput: map[string]bool{}}
}

// federationTypes are declared by the federation spec itself and never reach the supergraph.
var federationTypes = map[string]bool{
	"_Service": true, "_Entity": true, "_Any": true, "FieldSet": true, "federation__FieldSet": true,
	"link__Import": true, "link__Purpose": true, "federation__Scope": true, "federation__Policy": true,
}

func (sg *supergraph) add(g *graph) error {
	defs := append(append(ast.DefinitionList{}, g.doc.Definitions...), g.doc.Extensions...)
	for _, def := range defs {
		if federationTypes[def.Name] {
			continue
		}
		extension := containsDef(g.doc.Extensions, def) || g.has(def.Directives, "extends")
		if err := sg.addDefinition(g, def, extension); err != nil {
			return fmt.Errorf("compose: %s: %w", g.Name, err)
		}
	}
	return nil
}

func containsDef(list ast.DefinitionList, def *ast.Definition) bool {
	for _, d := range list {
		if d == def {
			return true
		}
	}
	return false
}

func (sg *supergraph) addDefinition(g *graph, def *ast.Definition, extension bool) error {
	for _, unsupported := range []string{"interfaceObject", "tag", "composeDirective"} {
		if g.has(def.Directives, unsupported) {
			return fmt.Errorf("%s: @%s is not supported by this composition", def.Name, unsupported)
		}
	}
	t := sg.types[def.Name]
	if t == nil {
		t = &typeDef{name: def.Name, kind: def.Kind, fieldIndex: map[string]*fieldDef{}, shareable: map[string]bool{}}
		sg.types[def.Name] = t
		sg.order = append(sg.order, def.Name)
	} else if t.kind != def.Kind {
		return fmt.Errorf("type %s is a %s here but a %s elsewhere", def.Name, def.Kind, t.kind)
	}
	if t.description == "" {
		t.description = def.Description
	}
	switch def.Name {
	case "Query", "Mutation", "Subscription":
		sg.roots[def.Name] = true
	}
	if g.has(def.Directives, "inaccessible") {
		t.hidden, sg.hidden = true, true
	}
	if g.has(def.Directives, "shareable") {
		t.shareable[g.enum] = true
	}
	t.applied = g.appliedDirectives(t.applied, def.Directives)

	keys := g.directives(def.Directives, "key")
	keyFields := map[string]bool{}
	if !t.joinedBy(g.enum) || len(keys) > 0 {
		if len(keys) == 0 {
			t.joins = append(t.joins, typeJoin{graph: g.enum, extension: extension, resolvable: true})
		}
		for _, k := range keys {
			fields := k.Arguments.ForName("fields")
			if fields == nil {
				return fmt.Errorf("%s: @key without fields", def.Name)
			}
			resolvable := true
			if r := k.Arguments.ForName("resolvable"); r != nil && r.Value.Raw == "false" {
				resolvable = false
			}
			// Keys keep their text as written; requires and provides are normalised.
			t.joins = append(t.joins, typeJoin{graph: g.enum, key: fields.Value.Raw, extension: extension, resolvable: resolvable})
			for _, name := range topLevelFields(fieldSet(fields.Value.Raw)) {
				keyFields[name] = true
			}
		}
	}

	for _, iface := range def.Interfaces {
		t.implements = append(t.implements, memberJoin{g.enum, iface})
	}
	for _, m := range def.Types {
		t.members = append(t.members, memberJoin{g.enum, m})
	}
	for _, v := range def.EnumValues {
		t.addEnumValue(g, v)
	}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || (def.Name == "Query" && (f.Name == "_service" || f.Name == "_entities")) {
			continue
		}
		if err := t.addField(g, f, keyFields[f.Name]); err != nil {
			return err
		}
	}
	return nil
}

func (t *typeDef) joinedBy(graph string) bool {
	for _, j := range t.joins {
		if j.graph == graph {
			return true
		}
	}
	return false
}

func (t *typeDef) addEnumValue(g *graph, v *ast.EnumValueDefinition) {
	for _, ev := range t.values {
		if ev.name == v.Name {
			ev.graphs = append(ev.graphs, g.enum)
			return
		}
	}
	ev := &enumValue{name: v.Name, description: v.Description, graphs: []string{g.enum}}
	ev.hidden = g.has(v.Directives, "inaccessible")
	ev.deprecated = v.Directives.ForName("deprecated")
	t.values = append(t.values, ev)
}

func (t *typeDef) addField(g *graph, f *ast.FieldDefinition, key bool) error {
	join := fieldJoin{
		graph:     g.enum,
		typ:       f.Type,
		external:  g.has(f.Directives, "external"),
		shareable: g.has(f.Directives, "shareable") || t.shareable[g.enum],
		key:       key,
	}
	if d := g.directives(f.Directives, "requires"); len(d) > 0 {
		join.requires = fieldSet(d[0].Arguments.ForName("fields").Value.Raw)
	}
	if d := g.directives(f.Directives, "provides"); len(d) > 0 {
		join.provides = fieldSet(d[0].Arguments.ForName("fields").Value.Raw)
	}
	if d := g.directives(f.Directives, "override"); len(d) > 0 {
		join.override = d[0].Arguments.ForName("from").Value.Raw
	}
	fd := t.fieldIndex[f.Name]
	if fd == nil {
		fd = &fieldDef{name: f.Name, description: f.Description, typ: f.Type, args: f.Arguments, defaultVal: f.DefaultValue}
		fd.deprecated = f.Directives.ForName("deprecated")
		t.fieldIndex[f.Name] = fd
		t.fields = append(t.fields, fd)
	} else {
		if fd.typ.Name() != f.Type.Name() || listDepth(fd.typ) != listDepth(f.Type) {
			return fmt.Errorf("field %s.%s is %s here but %s elsewhere", t.name, f.Name, f.Type, fd.typ)
		}
		if !join.external && fd.typ.NonNull && !f.Type.NonNull && t.kind != ast.InputObject {
			fd.typ = f.Type // an output field is only as strict as its weakest source
		}
		fd.args = intersectArgs(fd.args, f.Arguments)
		if fd.description == "" {
			fd.description = f.Description
		}
	}
	if g.has(f.Directives, "inaccessible") {
		fd.hidden = true
	}
	for _, name := range []string{"cost", "listSize"} {
		if d := g.directives(f.Directives, name); len(d) > 0 && fd.demand.ForName(name) == nil {
			c := *d[0]
			c.Name = name
			fd.demand = append(fd.demand, &c)
		}
	}
	fd.applied = g.appliedDirectives(fd.applied, f.Directives)
	fd.joins = append(fd.joins, join)
	return nil
}

func listDepth(t *ast.Type) int {
	n := 0
	for ; t != nil; t = t.Elem {
		n++
	}
	return n
}

func intersectArgs(a, b ast.ArgumentDefinitionList) ast.ArgumentDefinitionList {
	var out ast.ArgumentDefinitionList
	for _, arg := range a {
		if b.ForName(arg.Name) != nil {
			out = append(out, arg)
		}
	}
	return out
}

// topLevelFields lists the first-level field names of a normalised FieldSet.
func topLevelFields(set string) []string {
	var names []string
	depth := 0
	for _, tok := range strings.Fields(strings.NewReplacer("{", " { ", "}", " } ").Replace(set)) {
		switch tok {
		case "{":
			depth++
		case "}":
			depth--
		default:
			if depth == 0 {
				names = append(names, tok)
			}
		}
	}
	return names
}

// finish joins Query with every subgraph (each serves _service and _entities there) and
// records which types appear in input positions.
func (sg *supergraph) finish() {
	if q := sg.types["Query"]; q != nil {
		for _, g := range sg.graphs {
			if !q.joinedBy(g.enum) {
				q.joins = append(q.joins, typeJoin{graph: g.enum, resolvable: true})
			}
		}
		sort.SliceStable(q.joins, func(i, j int) bool { return q.joins[i].graph < q.joins[j].graph })
	}
	for _, name := range sg.order {
		t := sg.types[name]
		for _, f := range t.fields {
			if t.kind == ast.InputObject {
				sg.usedAsInput[f.typ.Name()] = true
			}
			for _, a := range f.args {
				sg.usedAsInput[a.Type.Name()] = true
			}
		}
	}
}

// joinVersion is the join spec version for the newest federation version linked.
func (sg *supergraph) joinVersion() int {
	v := 3
	for _, g := range sg.graphs {
		switch {
		case g.minor >= 8:
			v = max(v, 5)
		case g.minor >= 7:
			v = max(v, 4)
		}
	}
	return v
}

// check reports fields that two subgraphs both resolve without agreeing to share them.
func (sg *supergraph) check() error {
	for _, name := range sg.order {
		t := sg.types[name]
		if t.kind != ast.Object {
			continue
		}
		for _, f := range t.fields {
			var owners []fieldJoin
			for _, j := range f.joins {
				if !j.external && j.override == "" {
					owners = append(owners, j)
				}
			}
			if len(owners) < 2 || overridden(f) {
				continue
			}
			for _, j := range owners {
				if !j.shareable && !j.key {
					return fmt.Errorf("compose: field %s.%s is resolved by %d subgraphs but is not @shareable in %s",
						t.name, f.name, len(owners), strings.ToLower(j.graph))
				}
			}
		}
	}
	return nil
}

func overridden(f *fieldDef) bool {
	for _, j := range f.joins {
		if j.override != "" {
			return true
		}
	}
	return false
}
