package plan

import (
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// header declares the join machinery every test supergraph needs.
const header = `
schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) { query: Query }
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  X @join__graph(name: "x", url: "http://x.test")
  Y @join__graph(name: "y", url: "http://y.test")
  Z @join__graph(name: "z", url: "http://z.test")
}
`

func parseShape(t *testing.T, sdl string) *supergraph.Supergraph {
	t.Helper()
	sg, err := supergraph.Parse(header + sdl)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func TestPlanShapes(t *testing.T) {
	tests := []struct {
		name  string
		sdl   string
		query string
		want  []string // substrings of the plan, in order
	}{
		{
			name: "value type shared by root fields is split across subgraphs",
			sdl: `
type Query @join__type(graph: X) @join__type(graph: Y) { store: Store! }
type Store @join__type(graph: X) @join__type(graph: Y) { id: ID! hours: String @join__field(graph: X) phone: String @join__field(graph: Y) }`,
			query: `{ store { id hours phone } }`,
			want:  []string{"] x: query{store{id hours}}", "] y: query{store{phone}}"},
		},
		{
			name: "a type without a key is reached through its parent entity",
			sdl: `
type Query @join__type(graph: X) { shelf: Shelf @join__field(graph: X) }
type Shelf @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id") { id: ID! label: Label }
type Label @join__type(graph: X) @join__type(graph: Y) { text: String @join__field(graph: X) color: String @join__field(graph: Y) }`,
			query: `{ shelf { label { text color } } }`,
			want: []string{
				`[0] x: query{shelf{label{text} id __typename}}`,
				`[1] y after [0] at shelf for Shelf: query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Shelf{label{color}}}}`,
			},
		},
		{
			name: "fields typed differently in a subgraph get wire aliases inside fragments",
			sdl: `
type Query @join__type(graph: X) { things: [Thing!]! @join__field(graph: X) }
union Thing @join__type(graph: X) @join__unionMember(graph: X, member: "Box") @join__unionMember(graph: X, member: "Bag") = Box | Bag
type Box @join__type(graph: X) { size: Int }
type Bag @join__type(graph: X) { size: Int @join__field(graph: X, type: "Int!") }`,
			query: `{ things { ... on Box { size } ... on Bag { size } } }`,
			want:  []string{`...on Bag{_size_Bag:size} ...on Box{size}`},
		},
		{
			name: "only members every candidate subgraph knows below a shareable entity path",
			sdl: `
type Query @join__type(graph: X) @join__type(graph: Y) { box: Box @join__field(graph: X) }
type Box @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id") { id: ID! items: [Item!]! }
union Item @join__type(graph: X) @join__type(graph: Y) @join__unionMember(graph: X, member: "Pen") @join__unionMember(graph: Y, member: "Pen") @join__unionMember(graph: X, member: "Cup") = Pen | Cup
type Pen @join__type(graph: X) @join__type(graph: Y) { ink: String }
type Cup @join__type(graph: X) { size: Int }`,
			query: `{ box { items { ... on Pen { ink } ... on Cup { size } } } }`,
			want:  []string{`items{__typename ...on Pen{ink}}`},
		},
		{
			name: "composite key travels as a nested representation",
			sdl: `
type Query @join__type(graph: X) { seats: [Seat!]! @join__field(graph: X) }
type Seat @join__type(graph: X, key: "row venue { id }") @join__type(graph: Y, key: "row venue { id }") { row: Int! venue: Venue! price: Int @join__field(graph: Y) }
type Venue @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id") { id: ID! }`,
			query: `{ seats { price } }`,
			want:  []string{`[0] x: query{seats{row venue{id} __typename}}`, `at seats.@ for Seat`, `...on Seat{price}`},
		},
		{
			name: "a subgraph whose key is not resolvable is never jumped into",
			sdl: `
type Query @join__type(graph: X) @join__type(graph: Y) { a: Thing @join__field(graph: X) b: Thing @join__field(graph: Y) }
type Thing @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id", resolvable: false) { id: ID! name: String @join__field(graph: X) }`,
			query: `{ b { id name } }`,
			want:  []string{`[0] y: query{b{id __typename}}`, `[1] x after [0] at b for Thing`},
		},
		{
			name: "fields of an @interfaceObject are fetched with the interface as __typename",
			sdl: `
type Query @join__type(graph: X) { pets: [Pet!]! @join__field(graph: X) }
interface Pet @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id", isInterfaceObject: true) { id: ID! vet: String @join__field(graph: Y) }
type Dog implements Pet @join__implements(graph: X, interface: "Pet") @join__type(graph: X, key: "id") { id: ID! vet: String @join__field }`,
			query: `{ pets { ... on Dog { vet } } }`,
			want:  []string{`[0] x: query{pets{__typename ...on Dog{id __typename}}}`, `[1] y after [0] at pets.@ for Dog: `, `...on Pet{vet}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sg := parseShape(t, tt.sdl)
			p, err := buildPlan(t, sg, tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := p.String()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("plan lacks %q (in order):\n%s", w, got)
				}
				at += i + len(w)
			}
		})
	}
}

func TestRestoreRenamesWireAliases(t *testing.T) {
	sg := parseShape(t, `
type Query @join__type(graph: X) { things: [Thing!]! @join__field(graph: X) }
union Thing @join__type(graph: X) @join__unionMember(graph: X, member: "Box") @join__unionMember(graph: X, member: "Bag") = Box | Bag
type Box @join__type(graph: X) { size: Int }
type Bag @join__type(graph: X) { size: Int @join__field(graph: X, type: "Int!") }`)
	p, err := buildPlan(t, sg, `{ things { ... on Box { size } ... on Bag { size } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"things": []any{
		map[string]any{"__typename": "Bag", "_size_Bag": 3},
		map[string]any{"__typename": "Box", "size": 4},
	}}
	p.Fetches[0].Restore(data)
	bag := data["things"].([]any)[0].(map[string]any)
	if bag["size"] != 3 || bag["_size_Bag"] != nil {
		t.Errorf("bag %v", bag)
	}
}

func TestProgressiveOverride(t *testing.T) {
	sg := parseShape(t, `
type Query @join__type(graph: X) @join__type(graph: Y) { order: Order @join__field(graph: X) }
type Order @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id") {
  id: ID!
  total: Int @join__field(graph: X, overrideLabel: "percent(10)") @join__field(graph: Y, override: "x", overrideLabel: "percent(10)")
}`)
	if len(sg.OverrideLabels) != 1 || sg.OverrideLabels[0] != "percent(10)" {
		t.Fatalf("labels %v", sg.OverrideLabels)
	}
	tests := []struct {
		labels map[string]bool
		want   int // fetches
	}{
		{nil, 1},
		{map[string]bool{"percent(10)": true}, 2},
	}
	for _, tt := range tests {
		p, oerr := buildWithLabels(t, sg, `{ order { total } }`, tt.labels)
		if oerr != nil {
			t.Fatal(oerr)
		}
		if len(p.Fetches) != tt.want {
			t.Errorf("labels %v: %d fetches, want %d\n%s", tt.labels, len(p.Fetches), tt.want, p)
		}
	}
}

func TestInterfaceObjectRepresentation(t *testing.T) {
	sg := parseShape(t, `
type Query @join__type(graph: X) { pets: [Pet!]! @join__field(graph: X) }
interface Pet @join__type(graph: X, key: "id") @join__type(graph: Y, key: "id", isInterfaceObject: true) { id: ID! vet: String @join__field(graph: Y) }
type Dog implements Pet @join__implements(graph: X, interface: "Pet") @join__type(graph: X, key: "id") { id: ID! vet: String @join__field }`)
	p, err := buildPlan(t, sg, `{ pets { ... on Dog { vet } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := p.Fetches[1].Targets[0].Reps["Dog"]
	if rep == nil || rep.Typename != "Pet" || len(rep.Fields) != 1 || rep.Fields[0].Name != "id" {
		t.Fatalf("representation for Dog: %+v", rep)
	}
}
