package compose

import (
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Custom directives reach the supergraph when a subgraph names them with @composeDirective
// and imports them with @link from a spec of its own: the supergraph links the same spec,
// declares the directive and keeps its applications on types and fields. Identical
// applications from several subgraphs appear once; different ones all appear, in subgraph
// order, as the reference composition does.

// customLink is a non-federation @link of a subgraph.
type customLink struct {
	url     string
	imports []string // "@name" as written
}

// customDirective is a directive some subgraph composes.
type customDirective struct {
	name string
	def  *ast.DirectiveDefinition
	link *customLink
}

// readCustomLink records a @link to a spec other than federation's.
func (g *graph) readCustomLink(d *ast.Directive, url string) {
	l := &customLink{url: url}
	if imports := d.Arguments.ForName("import"); imports != nil {
		for _, child := range imports.Value.Children {
			if child.Value.Kind == ast.StringValue {
				l.imports = append(l.imports, child.Value.Raw)
			}
		}
	}
	g.links = append(g.links, l)
}

// readComposeDirectives records the directives the subgraph asks composition to keep.
func (g *graph) readComposeDirectives(list ast.DirectiveList) {
	for _, d := range g.directives(list, "composeDirective") {
		if a := d.Arguments.ForName("name"); a != nil {
			if g.composed == nil {
				g.composed = map[string]bool{}
			}
			g.composed[strings.TrimPrefix(a.Value.Raw, "@")] = true
		}
	}
}

// addCustomDirectives notes the definitions of the directives g composes.
func (sg *supergraph) addCustomDirectives(g *graph) {
	for _, name := range sortedKeys(g.composed) {
		if sg.custom == nil {
			sg.custom = map[string]*customDirective{}
		}
		if sg.custom[name] != nil {
			continue
		}
		cd := &customDirective{name: name, def: g.doc.Directives.ForName(name)}
		for _, l := range g.links {
			for _, imp := range l.imports {
				if strings.TrimPrefix(imp, "@") == name {
					cd.link = l
				}
			}
		}
		if cd.def != nil {
			sg.custom[name] = cd
			sg.customOrder = append(sg.customOrder, name)
		}
	}
}

// appliedDirectives appends the composed directives applied in list, unless already there.
func (g *graph) appliedDirectives(applied []string, list ast.DirectiveList) []string {
	for _, d := range list {
		if !g.composed[d.Name] {
			continue
		}
		s := printApplied(d)
		dup := false
		for _, a := range applied {
			dup = dup || a == s
		}
		if !dup {
			applied = append(applied, s)
		}
	}
	return applied
}

func printApplied(d *ast.Directive) string {
	var b strings.Builder
	b.WriteString("@" + d.Name)
	if len(d.Arguments) > 0 {
		b.WriteByte('(')
		for i, a := range d.Arguments {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.Name + ": " + a.Value.String())
		}
		b.WriteByte(')')
	}
	return b.String()
}

// printCustomLinks writes the @link of every spec a composed directive comes from.
func (sg *supergraph) printCustomLinks(b *strings.Builder) {
	seen := map[string]bool{}
	for _, name := range sg.customOrder {
		l := sg.custom[name].link
		if l == nil || seen[l.url] {
			continue
		}
		seen[l.url] = true
		b.WriteString(` @link(url: ` + strconv.Quote(l.url))
		if len(l.imports) > 0 {
			quoted := make([]string, len(l.imports))
			for i, imp := range l.imports {
				quoted[i] = strconv.Quote(imp)
			}
			b.WriteString(`, import: [` + strings.Join(quoted, ", ") + `]`)
		}
		b.WriteByte(')')
	}
}

// printCustomDefinitions declares the composed directives.
func (sg *supergraph) printCustomDefinitions(b *strings.Builder) {
	for _, name := range sg.customOrder {
		def := sg.custom[name].def
		b.WriteString("\ndirective @" + def.Name)
		if len(def.Arguments) > 0 {
			b.WriteByte('(')
			for i, a := range def.Arguments {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(a.Name + ": " + a.Type.String())
				if a.DefaultValue != nil {
					b.WriteString(" = " + a.DefaultValue.String())
				}
			}
			b.WriteByte(')')
		}
		if def.IsRepeatable {
			b.WriteString(" repeatable")
		}
		locs := make([]string, len(def.Locations))
		for i, l := range def.Locations {
			locs[i] = string(l)
		}
		b.WriteString(" on " + strings.Join(locs, " | ") + "\n")
	}
}

func printAppliedList(b *strings.Builder, applied []string) {
	for _, a := range applied {
		b.WriteString(" " + a)
	}
}
