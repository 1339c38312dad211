package compose

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// TestMatchesReferenceComposition composes each fixture and our own subgraphs with this
// package and with @theguild/federation-composition, and requires the same supergraph.
func TestMatchesReferenceComposition(t *testing.T) {
	cases := map[string][]Subgraph{}
	dirs, _ := filepath.Glob("testdata/*")
	for _, dir := range dirs {
		cases[filepath.Base(dir)] = readFixture(t, filepath.Join(dir, "*.graphql"), func(file string) string {
			return strings.SplitN(strings.TrimSuffix(filepath.Base(file), ".graphql"), "_", 2)[1]
		})
	}
	cases["shopgraph"] = readFixture(t, "../../schema/*.graphqls", func(file string) string {
		return strings.TrimSuffix(filepath.Base(file), ".graphqls")
	})

	for name, subgraphs := range cases {
		t.Run(name, func(t *testing.T) {
			if len(subgraphs) == 0 {
				t.Skip("no subgraphs")
			}
			got, err := Compose(subgraphs)
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			want := reference(t, subgraphs)
			if c, w := canonical(t, got), canonical(t, want); c != w {
				t.Errorf("supergraph differs from the reference composition\n--- ours\n%s\n--- reference\n%s", c, w)
			}
		})
	}
}

func TestComposeReportsConflicts(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{
			"unshared field",
			`type Product @key(fields: "id") { id: ID! title: String }`,
			`type Product @key(fields: "id") { id: ID! title: String }`,
			"not @shareable",
		},
		{
			"kind mismatch",
			`type Money { amount: Int }`,
			`input Money { amount: Int }`,
			"is a INPUT_OBJECT here but a OBJECT elsewhere",
		},
		{
			"type mismatch",
			`type Product @key(fields: "id") { id: ID! rank: Int @shareable }`,
			`type Product @key(fields: "id") { id: ID! rank: String @shareable }`,
			"is String here but Int elsewhere",
		},
	}
	link := `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])` + "\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compose([]Subgraph{{"a", "http://a", link + tt.a}, {"b", "http://b", link + tt.b}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func readFixture(t *testing.T, pattern string, name func(string) string) []Subgraph {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []Subgraph
	for _, f := range files {
		sdl, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := name(f)
		if n == "supergraph" {
			continue
		}
		out = append(out, Subgraph{Name: n, URL: "http://127.0.0.1:4000/subgraphs/" + n + "/graphql", SDL: string(sdl)})
	}
	return out
}

// reference runs scripts/compose-reference.mjs with the npm package that make test installs.
func reference(t *testing.T, subgraphs []Subgraph) string {
	t.Helper()
	tools := os.Getenv("COMPOSE_TOOLS")
	if tools == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("COMPOSE_TOOLS is not set: run the tests with `make test`")
		}
		t.Skip("COMPOSE_TOOLS is not set: run the tests with `make test`")
	}
	type input struct {
		Name string `json:"name"`
		URL  string `json:"url"`
		SDL  string `json:"sdl"`
	}
	var in []input
	for _, s := range subgraphs {
		in = append(in, input{s.Name, s.URL, s.SDL})
	}
	body, _ := json.Marshal(in)
	cmd := exec.Command("node", "../../scripts/compose-reference.mjs")
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference composition failed: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// canonical prints a supergraph with definitions, directives and arguments in a fixed order,
// so two compositions compare by meaning rather than by layout.
func canonical(t *testing.T, sdl string) string {
	t.Helper()
	doc, err := parser.ParseSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatalf("parse supergraph: %v\n%s", err, sdl)
	}
	sort.Slice(doc.Definitions, func(i, j int) bool { return doc.Definitions[i].Name < doc.Definitions[j].Name })
	sort.Slice(doc.Directives, func(i, j int) bool { return doc.Directives[i].Name < doc.Directives[j].Name })
	for _, s := range doc.Schema {
		sortDirectives(s.Directives)
	}
	for _, d := range doc.Definitions {
		sortDirectives(d.Directives)
		for _, f := range d.Fields {
			sortDirectives(f.Directives)
		}
		for _, v := range d.EnumValues {
			sortDirectives(v.Directives)
		}
		sort.Strings(d.Interfaces)
		sort.Strings(d.Types)
	}
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchemaDocument(doc)
	return b.String()
}

func sortDirectives(list ast.DirectiveList) {
	for _, d := range list {
		sort.Slice(d.Arguments, func(i, j int) bool { return d.Arguments[i].Name < d.Arguments[j].Name })
	}
	sort.SliceStable(list, func(i, j int) bool { return directiveKey(list[i]) < directiveKey(list[j]) })
}

func directiveKey(d *ast.Directive) string {
	var b strings.Builder
	b.WriteString(d.Name)
	for _, a := range d.Arguments {
		b.WriteString(" " + a.Name + "=" + a.Value.String())
	}
	return b.String()
}
