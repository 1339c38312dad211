package plan

import (
	"os"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

func loadStore(t testing.TB) *supergraph.Supergraph {
	t.Helper()
	b, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func buildPlan(t testing.TB, sg *supergraph.Supergraph, query string, vars map[string]any) (*Plan, error) {
	t.Helper()
	return buildOpts(t, sg, query, vars, Options{})
}

func buildWithLabels(t testing.TB, sg *supergraph.Supergraph, query string, labels map[string]bool) (*Plan, error) {
	t.Helper()
	return buildOpts(t, sg, query, nil, Options{Labels: labels})
}

func buildOpts(t testing.TB, sg *supergraph.Supergraph, query string, vars map[string]any, opts Options) (*Plan, error) {
	t.Helper()
	p, oerr := operation.Parse(sg.API, query, "", operation.Limits{})
	if oerr != nil {
		t.Fatalf("parse: %v", oerr)
	}
	coerced, oerr := p.Coerce(sg.API, vars)
	if oerr != nil {
		t.Fatalf("coerce: %v", oerr)
	}
	op, err := operation.Normalize(sg.API, p.Doc, p.Op, coerced)
	if err != nil {
		t.Fatal(err)
	}
	return BuildWith(sg, op, opts)
}

func TestBuild(t *testing.T) {
	sg := loadStore(t)
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{
			name:  "single subgraph",
			query: `{ products { id name } }`,
			want: `[0] catalog: query{products{id name}}
`,
		},
		{
			name:  "entity jump batched at a list path",
			query: `{ products { name inStock } }`,
			want: `[0] catalog: query{products{name id __typename}}
[1] inventory after [0] at products.@ for Product: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{inStock}}}
`,
		},
		{
			name:  "requires sends the required field in the representation",
			query: `{ product(id: "1") { shippingEstimate } }`,
			want: `[0] catalog: query{product(id:"1"){id __typename weight}}
[1] inventory after [0] at product for Product: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{shippingEstimate}}}
`,
		},
		{
			name:  "provides avoids a jump",
			query: `{ product(id: "1") { reviews { author { username } } } }`,
			want: `[0] catalog: query{product(id:"1"){id __typename}}
[1] reviews after [0] at product for Product: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{reviews{author{username}}}}}
`,
		},
		{
			name:  "field outside provides jumps to its owner",
			query: `{ product(id: "1") { reviews { author { name } } } }`,
			want: `[0] catalog: query{product(id:"1"){id __typename}}
[1] reviews after [0] at product for Product: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{reviews{author{id __typename}}}}}
[2] accounts after [1] at product.reviews.@.author for User: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on User{name}}}
`,
		},
		{
			name:  "union expanded per member",
			query: `{ search(text: "x") { ... on Product { name } ... on Category { title } } }`,
			want: `[0] catalog: query{search(text:"x"){__typename ...on Category{title} ...on Product{name}}}
`,
		},
		{
			name:  "variables are declared and forwarded",
			query: `query($n: Int) { products(first: $n) { inStock } }`,
			want: `[0] catalog: query($n:Int){products(first:$n){id __typename}}
[1] inventory after [0] at products.@ for Product: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{inStock}}}
`,
		},
		{
			name:  "mutations run in document order",
			query: `mutation { a: rename(name: "x") { id } b: addReview(productId: "1", body: "ok") { id } }`,
			want: `[0] accounts: mutation{a:rename(name:"x"){id}}
[1] reviews after [0]: mutation{b:addReview(productId:"1" body:"ok"){id}}
`,
		},
		{
			name:  "entity fetches of one step to one subgraph are batched",
			query: `{ product(id: "1") { inStock } products { inStock } }`,
			want: `[0] catalog: query{product(id:"1"){id __typename} products{id __typename}}
[1] inventory after [0] at product, products.@ for Product: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{inStock}}}
`,
		},
		{
			name:  "root typename needs no fetch",
			query: `{ __typename }`,
			want:  ``,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := buildPlan(t, sg, tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestBuildFailsForUnreachableField(t *testing.T) {
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	// without a key in inventory, Product.inStock cannot be reached
	broken := strings.Replace(string(sdl), `@join__type(graph: INVENTORY, key: "id")`, `@join__type(graph: INVENTORY)`, 1)
	sg, err := supergraph.Parse(broken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := buildPlan(t, sg, `{ products { inStock } }`, nil); err == nil {
		t.Fatal("expected a planning error")
	}
}

func TestCacheBuildsOnce(t *testing.T) {
	c := NewCache[int](2)
	calls := 0
	build := func() (int, error) { calls++; return calls, nil }
	for i := 0; i < 3; i++ {
		if v, _ := c.Get("a", build); v != 1 {
			t.Fatalf("got %d", v)
		}
	}
	c.Get("b", build)
	c.Get("c", build)
	if v, _ := c.Get("a", build); v != 4 {
		t.Errorf("evicted entry should be rebuilt, got %d", v)
	}
	if c.Len() != 2 {
		t.Errorf("len %d", c.Len())
	}
}

func BenchmarkBuild(b *testing.B) {
	sg := loadStore(b)
	query := `{ products { id name inStock shippingEstimate reviews { body author { name username } } } }`
	p, _ := operation.Parse(sg.API, query, "", operation.Limits{})
	op, err := operation.Normalize(sg.API, p.Doc, p.Op, map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Build(sg, op); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseValidatePlan(f *testing.F) {
	sg := loadStore(f)
	for _, seed := range []string{
		`{ products { id name inStock } }`,
		`{ product(id: "1") { shippingEstimate reviews { author { name username } } } }`,
		`{ search(text: "x") { ... on Product { name } ... on Category { title } } }`,
		`query($s: Boolean!) { products { id @skip(if: $s) } }`,
		`mutation { rename(name: "x") { id } }`,
		`{ __schema { types { name } } }`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		p, oerr := operation.Parse(sg.API, query, "", operation.Limits{})
		if oerr != nil {
			return
		}
		vars, oerr := p.Coerce(sg.API, map[string]any{"s": true})
		if oerr != nil {
			return
		}
		op, err := operation.Normalize(sg.API, p.Doc, p.Op, vars)
		if err != nil {
			return
		}
		plan, err := Build(sg, op)
		if err != nil {
			return
		}
		for _, fe := range plan.Fetches {
			for _, d := range fe.DependsOn {
				if d >= fe.ID {
					t.Fatalf("fetch %d depends on later fetch %d", fe.ID, d)
				}
			}
			if fe.Query == "" {
				t.Fatalf("fetch %d has no query", fe.ID)
			}
		}
	})
}

func TestTree(t *testing.T) {
	sg := loadStore(t)
	tests := []struct {
		query string
		want  string
	}{
		{`{ products { id } }`, "Fetch(catalog) query{products{id}}\n"},
		{`{ products { inStock } me { name } }`, `Sequence {
  Parallel {
    Fetch(catalog) query{products{id __typename}}
    Fetch(accounts) query{me{name}}
  }
  Flatten(products.@) Fetch(inventory) query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{inStock}}}
}
`},
	}
	for _, tt := range tests {
		p, err := buildPlan(t, sg, tt.query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatTree(p.Tree()); got != tt.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tt.query, got, tt.want)
		}
	}
}
