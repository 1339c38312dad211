// Package subgraphs holds one package per store domain (catalog, inventory, ...). Each domain
// owns its Postgres schema and never reads another domain's tables; facts cross domains through
// the graph, through small client interfaces, and through events.
package subgraphs

// Domain describes what the binary needs to run one domain's storage: its Postgres schema
// and the embedded SQL migrations that build it.
type Domain struct {
	Name       string // the subgraph name, also its path: /subgraphs/<name>/graphql
	Schema     string // Postgres schema that holds every table of the domain
	Migrations MigrationSource
}
