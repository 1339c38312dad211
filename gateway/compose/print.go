package compose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// header is the join and link v1.0 machinery every supergraph declares; the join version
// follows the newest federation version the subgraphs link (2.7 adds overrideLabel, 2.8
// contextArguments), as the reference composition does.
func header(join int) string {
	field := "  overrideLabel: String\n"
	switch join {
	case 3:
		field = ""
	case 5:
		field += "  contextArguments: [join__ContextArgument!]\n"
	}
	context := ""
	fieldValue := ""
	if join >= 5 {
		context = contextArgument
		fieldValue = "\nscalar join__FieldValue\n"
	}
	return strings.NewReplacer("{{field}}", field, "{{context}}", context, "{{fieldValue}}", fieldValue).Replace(headerTemplate)
}

const contextArgument = `
input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}
`

const headerTemplate = `directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__field(
  graph: join__Graph
  requires: join__FieldSet
  provides: join__FieldSet
  type: String
  external: Boolean
  override: String
  usedOverridden: Boolean
{{field}}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
{{context}}
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(
  graph: join__Graph!
  key: join__FieldSet
  extension: Boolean! = false
  resolvable: Boolean! = true
  isInterfaceObject: Boolean! = false
) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

scalar join__FieldSet
{{fieldValue}}
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar link__Import

enum link__Purpose {
  """
  ` + "`SECURITY`" + ` features provide metadata necessary to securely resolve fields.
  """
  SECURITY
  """
  ` + "`EXECUTION`" + ` features provide metadata necessary for operation execution.
  """
  EXECUTION
}
`

const inaccessibleDirective = `
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`

func (sg *supergraph) print() string {
	var b strings.Builder
	join := sg.joinVersion()
	fmt.Fprintf(&b, `schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.%d", for: EXECUTION)`, join)
	if sg.hidden {
		b.WriteString(` @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)`)
	}
	demand := sg.demandControl()
	if demand {
		b.WriteString(` @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])`)
	}
	sg.printCustomLinks(&b)
	b.WriteString(" {\n")
	for _, op := range []string{"Query", "Mutation", "Subscription"} {
		if sg.roots[op] {
			fmt.Fprintf(&b, "  %s: %s\n", strings.ToLower(op), op)
		}
	}
	b.WriteString("}\n\n")
	b.WriteString(header(join))
	if sg.hidden {
		b.WriteString(inaccessibleDirective)
	}
	if demand {
		b.WriteString(demandDirectives)
	}
	sg.printCustomDefinitions(&b)
	b.WriteString("\nenum join__Graph {\n")
	for _, g := range sg.graphs {
		fmt.Fprintf(&b, "  %s @join__graph(name: %s, url: %s)\n", g.enum, strconv.Quote(g.Name), strconv.Quote(g.URL))
	}
	b.WriteString("}\n")
	for _, name := range sg.order {
		b.WriteString("\n")
		sg.printType(&b, sg.types[name])
	}
	return b.String()
}

func (sg *supergraph) printType(b *strings.Builder, t *typeDef) {
	printDescription(b, "", t.description)
	keyword := map[ast.DefinitionKind]string{
		ast.Object: "type", ast.Interface: "interface", ast.Union: "union",
		ast.Enum: "enum", ast.InputObject: "input", ast.Scalar: "scalar",
	}[t.kind]
	b.WriteString(keyword + " " + t.name)
	if ifaces := distinctNames(t.implements); len(ifaces) > 0 {
		b.WriteString(" implements " + strings.Join(ifaces, " & "))
	}
	printAppliedList(b, t.applied)
	for _, j := range t.joins {
		fmt.Fprintf(b, " @join__type(graph: %s", j.graph)
		if j.key != "" {
			fmt.Fprintf(b, ", key: %s", strconv.Quote(j.key))
		}
		if j.extension {
			b.WriteString(", extension: true")
		}
		if !j.resolvable {
			b.WriteString(", resolvable: false")
		}
		b.WriteString(")")
	}
	for _, m := range t.implements {
		fmt.Fprintf(b, " @join__implements(graph: %s, interface: %s)", m.graph, strconv.Quote(m.name))
	}
	for _, m := range t.members {
		fmt.Fprintf(b, " @join__unionMember(graph: %s, member: %s)", m.graph, strconv.Quote(m.name))
	}
	if t.hidden {
		b.WriteString(" @inaccessible")
	}
	switch t.kind {
	case ast.Union:
		b.WriteString(" = " + strings.Join(distinctNames(t.members), " | ") + "\n")
	case ast.Scalar:
		b.WriteString("\n")
	case ast.Enum:
		b.WriteString(" {\n")
		inputOnly := sg.usedAsInput[t.name]
		for _, v := range t.values {
			if inputOnly && len(v.graphs) < len(t.joins) {
				continue // an input enum only takes values every subgraph accepts
			}
			printDescription(b, "  ", v.description)
			b.WriteString("  " + v.name)
			for _, g := range v.graphs {
				fmt.Fprintf(b, " @join__enumValue(graph: %s)", g)
			}
			printDeprecated(b, v.deprecated)
			if v.hidden {
				b.WriteString(" @inaccessible")
			}
			b.WriteString("\n")
		}
		b.WriteString("}\n")
	default:
		b.WriteString(" {\n")
		for _, f := range t.fields {
			sg.printField(b, t, f)
		}
		b.WriteString("}\n")
	}
}

func (sg *supergraph) printField(b *strings.Builder, t *typeDef, f *fieldDef) {
	printDescription(b, "  ", f.description)
	b.WriteString("  " + f.name)
	if len(f.args) > 0 {
		b.WriteString("(")
		for i, a := range f.args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.Name + ": " + a.Type.String())
			if a.DefaultValue != nil {
				b.WriteString(" = " + a.DefaultValue.String())
			}
		}
		b.WriteString(")")
	}
	b.WriteString(": " + f.typ.String())
	if f.defaultVal != nil {
		b.WriteString(" = " + f.defaultVal.String())
	}
	printAppliedList(b, f.applied)
	joins := effectiveJoins(f)
	if needsJoinField(t, f, joins) {
		for _, j := range joins {
			fmt.Fprintf(b, " @join__field(graph: %s", j.graph)
			if j.requires != "" {
				fmt.Fprintf(b, ", requires: %s", strconv.Quote(j.requires))
			}
			if j.provides != "" {
				fmt.Fprintf(b, ", provides: %s", strconv.Quote(j.provides))
			}
			if j.typ.String() != f.typ.String() {
				fmt.Fprintf(b, ", type: %s", strconv.Quote(j.typ.String()))
			}
			if j.external {
				b.WriteString(", external: true")
			}
			if j.override != "" {
				fmt.Fprintf(b, ", override: %s", strconv.Quote(j.override))
			}
			if j.usedOverridden {
				b.WriteString(", usedOverridden: true")
			}
			b.WriteString(")")
		}
	}
	printDeprecated(b, f.deprecated)
	for _, d := range f.demand {
		printDirective(b, d)
	}
	if f.hidden {
		b.WriteString(" @inaccessible")
	}
	b.WriteString("\n")
}

// effectiveJoins drops the sources that another subgraph took the field from with @override;
// a source that still needs the field for one of its keys keeps it, marked usedOverridden.
func effectiveJoins(f *fieldDef) []fieldJoin {
	lost := map[string]bool{}
	for _, j := range f.joins {
		if j.override != "" {
			lost[graphEnum(j.override)] = true
		}
	}
	var out []fieldJoin
	for _, j := range f.joins {
		if lost[j.graph] {
			if !j.key {
				continue
			}
			j.usedOverridden = true
		}
		out = append(out, j)
	}
	return out
}

// needsJoinField is false when every subgraph that knows the type resolves the field plainly:
// the planner then takes the type's subgraphs as the field's.
func needsJoinField(t *typeDef, f *fieldDef, joins []fieldJoin) bool {
	graphs := map[string]bool{}
	for _, j := range t.joins {
		graphs[j.graph] = true
	}
	if len(joins) != len(graphs) {
		return true
	}
	for _, j := range joins {
		if j.external || j.requires != "" || j.provides != "" || j.override != "" || j.usedOverridden || j.typ.String() != f.typ.String() {
			return true
		}
	}
	return false
}

func distinctNames(list []memberJoin) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range list {
		if !seen[m.name] {
			seen[m.name] = true
			names = append(names, m.name)
		}
	}
	return names
}

func printDescription(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	if !strings.Contains(text, "\n") && !strings.Contains(text, `"`) {
		fmt.Fprintf(b, "%s%s\n", indent, strconv.Quote(text))
		return
	}
	fmt.Fprintf(b, "%s\"\"\"\n", indent)
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(b, "%s%s\n", indent, line)
	}
	fmt.Fprintf(b, "%s\"\"\"\n", indent)
}

func printDeprecated(b *strings.Builder, d *ast.Directive) {
	if d == nil {
		return
	}
	b.WriteString(" @deprecated")
	if r := d.Arguments.ForName("reason"); r != nil {
		b.WriteString("(reason: " + r.Value.String() + ")")
	}
}

// demandDirectives declare the demand-control directives (cost spec v0.1, Federation v2.9).
const demandDirectives = `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR

directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
`

// demandControl reports whether a field carries @cost or @listSize, so the supergraph links
// the cost spec only when it uses it.
func (sg *supergraph) demandControl() bool {
	for _, t := range sg.types {
		for _, f := range t.fields {
			if len(f.demand) > 0 {
				return true
			}
		}
	}
	return false
}

func printDirective(b *strings.Builder, d *ast.Directive) {
	b.WriteString(" @" + d.Name)
	if len(d.Arguments) == 0 {
		return
	}
	b.WriteString("(")
	for i, a := range d.Arguments {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Name + ": " + a.Value.String())
	}
	b.WriteString(")")
}
