// Package compose builds a Federation v2 supergraph SDL (link v1.0, join v0.5) from subgraph
// SDLs. It covers what ShopGraph's subgraphs use: entities with keys (several, composite,
// resolvable: false), @shareable value types, @external, @requires, @provides, @override,
// interfaces, unions, enums, inputs and custom scalars. It checks the conflicts that would make
// the graph wrong (a kind or field type that differs, a field of a non-shareable type defined
// twice) and reports them; it is not a full composition validator.
package compose

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Subgraph is one subgraph's name, routing URL and SDL.
type Subgraph struct {
	Name string
	URL  string
	SDL  string
}

// Compose returns the supergraph SDL for the subgraphs, in the order given.
func Compose(subgraphs []Subgraph) (string, error) {
	if len(subgraphs) == 0 {
		return "", fmt.Errorf("compose: no subgraphs")
	}
	subgraphs = append([]Subgraph(nil), subgraphs...)
	sort.Slice(subgraphs, func(i, j int) bool { return subgraphs[i].Name < subgraphs[j].Name })
	var graphs []*graph
	for _, s := range subgraphs {
		g, err := readSubgraph(s)
		if err != nil {
			return "", err
		}
		graphs = append(graphs, g)
	}
	sg := newSupergraph(graphs)
	for _, g := range graphs {
		sg.addCustomDirectives(g)
		if err := sg.add(g); err != nil {
			return "", err
		}
	}
	sg.finish()
	if err := sg.check(); err != nil {
		return "", err
	}
	return sg.print(), nil
}

// graph is one parsed subgraph with the federation directive names it imported.
type graph struct {
	Subgraph
	enum     string // the join__Graph value, e.g. CATALOG
	doc      *ast.SchemaDocument
	names    map[string]string // federation directive → local name (@key may be imported as @key)
	minor    int               // federation 2.<minor> linked
	links    []*customLink     // @link to specs other than federation's
	composed map[string]bool   // directives named by @composeDirective
}

func readSubgraph(s Subgraph) (*graph, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: s.Name, Input: s.SDL})
	if err != nil {
		return nil, fmt.Errorf("compose: parse %s: %w", s.Name, err)
	}
	g := &graph{Subgraph: s, enum: graphEnum(s.Name), doc: doc, names: map[string]string{}}
	schema := append(append(ast.SchemaDefinitionList{}, doc.Schema...), doc.SchemaExtension...)
	for _, def := range schema {
		for _, d := range def.Directives.ForNames("link") {
			g.readLink(d)
		}
	}
	for _, def := range schema {
		g.readComposeDirectives(def.Directives)
	}
	return g, nil
}

// readLink records how the federation directives are named in this subgraph: imported names
// are used as is (or renamed with {name, as}), the rest carry the federation__ prefix.
func (g *graph) readLink(d *ast.Directive) {
	url := d.Arguments.ForName("url")
	if url == nil {
		return
	}
	if !strings.Contains(url.Value.Raw, "specs.apollo.dev/") {
		g.readCustomLink(d, url.Value.Raw)
		return
	}
	if !strings.Contains(url.Value.Raw, "specs.apollo.dev/federation/") {
		return
	}
	if _, version, ok := strings.Cut(url.Value.Raw, "/federation/v2."); ok {
		g.minor, _ = strconv.Atoi(version)
	}
	for _, name := range federationDirectives {
		g.names[name] = "federation__" + name
	}
	imports := d.Arguments.ForName("import")
	if imports == nil {
		return
	}
	for _, child := range imports.Value.Children {
		v := child.Value
		switch v.Kind {
		case ast.StringValue:
			name := strings.TrimPrefix(v.Raw, "@")
			g.names[name] = name
		case ast.ObjectValue:
			name := strings.TrimPrefix(v.Children.ForName("name").Raw, "@")
			as := name
			if a := v.Children.ForName("as"); a != nil {
				as = strings.TrimPrefix(a.Raw, "@")
			}
			g.names[name] = as
		}
	}
}

var federationDirectives = []string{
	"key", "shareable", "external", "requires", "provides", "override", "inaccessible",
	"tag", "interfaceObject", "extends", "composeDirective", "cost", "listSize",
}

// has reports the directive with the federation name in the list, however it was imported.
func (g *graph) directives(list ast.DirectiveList, name string) ast.DirectiveList {
	local, ok := g.names[name]
	if !ok {
		local = name // a subgraph without @link: federation v1 names
	}
	return list.ForNames(local)
}

func (g *graph) has(list ast.DirectiveList, name string) bool {
	return len(g.directives(list, name)) > 0
}

// graphEnum turns a subgraph name into its join__Graph value: CATALOG, ORDER_HISTORY.
func graphEnum(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' && i > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// fieldSet normalises a FieldSet the way composition prints it: single spaces only where
// a name follows a name ("id sku", "variants{sku}").
func fieldSet(s string) string {
	fields := strings.Fields(strings.NewReplacer("{", " { ", "}", " } ", ",", " ").Replace(s))
	var b strings.Builder
	for i, f := range fields {
		if i > 0 && f != "{" && f != "}" && fields[i-1] != "{" && fields[i-1] != "}" {
			b.WriteByte(' ')
		} else if i > 0 && f != "{" && f != "}" && fields[i-1] == "}" {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
