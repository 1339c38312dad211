package operation

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const sdl = `
type Query { shop: Shop search(text: String!): [Result!]! node(id: ID!): Node }
type Mutation { buy(sku: String!): Boolean }
interface Node { id: ID! }
type Shop implements Node { id: ID! name: String products(first: Int): [Product!]! }
type Product implements Node { id: ID! title: String price: Int }
union Result = Shop | Product
`

func schema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func normalize(t *testing.T, query string, vars map[string]any) *Operation {
	t.Helper()
	s := schema(t)
	p, oerr := Parse(s, query, "", Limits{})
	if oerr != nil {
		t.Fatalf("parse: %v", oerr)
	}
	coerced, oerr := p.Coerce(s, vars)
	if oerr != nil {
		t.Fatalf("coerce: %v", oerr)
	}
	op, err := Normalize(s, p.Doc, p.Op, coerced)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// keys prints the response keys per type, recursively, to compare shapes.
func keys(s *SelectionSet) string {
	var b strings.Builder
	for _, t := range s.Types {
		b.WriteString(t + "{")
		for i, f := range s.ByType[t] {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f.ResponseKey)
			if f.Selection != nil {
				b.WriteString("{" + keys(f.Selection) + "}")
			}
		}
		b.WriteString("}")
	}
	return b.String()
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  string
	}{
		{"merge duplicate fields", `{ shop { id } shop { name id } }`, nil, "Query{shop{Shop{id name}}}"},
		{"inline fragment spreads", `{ shop { ...F } } fragment F on Shop { name }`, nil, "Query{shop{Shop{name}}}"},
		{"skip with variable", `query($s: Boolean!) { shop { id name @skip(if: $s) } }`, map[string]any{"s": true}, "Query{shop{Shop{id}}}"},
		{"include false literal", `{ shop { id name @include(if: false) } }`, nil, "Query{shop{Shop{id}}}"},
		{"abstract expanded per type", `{ search(text: "x") { __typename ... on Product { title } ... on Node { id } } }`, nil,
			"Query{search{Product{__typename title id}Shop{__typename id}}}"},
		{"alias kept", `{ s: shop { n: name } }`, nil, "Query{s{Shop{n}}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := normalize(t, tt.query, tt.vars)
			if got := keys(op.Selection); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestUniform(t *testing.T) {
	op := normalize(t, `{ node(id: "1") { id } a: node(id: "2") { ... on Shop { name } } }`, nil)
	fields := op.Selection.ByType["Query"]
	if !fields[0].Selection.Uniform() {
		t.Error("interface-only selection should be uniform")
	}
	if fields[1].Selection.Uniform() {
		t.Error("type-specific selection should not be uniform")
	}
}

func TestParseErrorsHaveCodes(t *testing.T) {
	s := schema(t)
	deep := "{ shop { products { title } } }"
	tests := []struct {
		name   string
		query  string
		limits Limits
		code   string
	}{
		{"syntax", "{ shop { ", Limits{}, CodeParseFailed},
		{"unknown field", "{ nope }", Limits{}, CodeValidationFailed},
		{"depth", deep, Limits{MaxDepth: 2}, CodeDepthLimit},
		{"aliases", "{ a: shop { id } b: shop { id } }", Limits{MaxAliases: 1}, CodeAliasLimit},
		{"operation name", "query A { shop { id } } query B { shop { id } }", Limits{}, CodeOperationUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(s, tt.query, "", tt.limits)
			if err == nil || err.Code != tt.code {
				t.Fatalf("got %v, want code %s", err, tt.code)
			}
		})
	}
	if _, err := Parse(s, deep, "", Limits{MaxDepth: 3}); err != nil {
		t.Errorf("depth 3 should pass with limit 3: %v", err)
	}
}

func TestCoerceRejectsBadVariables(t *testing.T) {
	s := schema(t)
	p, oerr := Parse(s, `query($t: String!) { search(text: $t) { __typename } }`, "", Limits{})
	if oerr != nil {
		t.Fatal(oerr)
	}
	if _, err := p.Coerce(s, map[string]any{}); err == nil || err.Code != CodeBadUserInput {
		t.Fatalf("missing variable: got %v", err)
	}
	if _, err := p.Coerce(s, map[string]any{"t": "x"}); err != nil {
		t.Fatalf("valid variable: %v", err)
	}
}

func TestIntrospection(t *testing.T) {
	s := schema(t)
	op := normalize(t, `{ __type(name: "Shop") { name kind fields { name } } __schema { queryType { name } } }`, nil)
	var got []string
	for _, f := range op.Selection.ByType["Query"] {
		got = append(got, string(Introspect(s, f, nil)))
	}
	var typ struct {
		Name   string
		Kind   string
		Fields []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(got[0]), &typ); err != nil {
		t.Fatalf("%s: %v", got[0], err)
	}
	if typ.Name != "Shop" || typ.Kind != "OBJECT" || len(typ.Fields) != 3 {
		t.Errorf("__type: %s", got[0])
	}
	if got[1] != `{"queryType":{"name":"Query"}}` {
		t.Errorf("__schema: %s", got[1])
	}
}

func TestKindAndConditionVariables(t *testing.T) {
	if Kind("mutation M { buy(sku: \"a\") }", "") != ast.Mutation {
		t.Error("mutation not detected")
	}
	if Kind("{ shop { id } }", "") != ast.Query {
		t.Error("query not detected")
	}
	p, _ := Parse(schema(t), `query($a: Boolean!, $b: Boolean!) { shop @include(if: $a) { id @skip(if: $b) } }`, "", Limits{})
	if got := ConditionVariables(p.Doc); len(got) != 2 {
		t.Errorf("condition variables: %v", got)
	}
}
