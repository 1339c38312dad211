package jobs

import (
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/shopgraph/shopgraph/subgraphs"
)

// Domain is what the binary needs to migrate River's tables for the orders domain. Its goose
// migrations are River's own, one per River version, rendered for Schema from the River
// module in go.mod, so upgrading River brings its new migrations along. Each also records its
// version in River's migration table, so River's own migrator agrees with what goose applied.
var Domain = subgraphs.Domain{Name: "orders_jobs", Schema: Schema, Migrations: riverMigrations()}

func riverMigrations() fs.FS {
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		panic(fmt.Sprintf("river migrations: %v", err)) // River's embedded migrations are broken
	}
	out := fstest.MapFS{}
	for _, v := range m.AllVersions() {
		record := fmt.Sprintf("INSERT INTO %s.river_migration (line, version) VALUES ('main', %d);", Schema, v.Version)
		if v.Version < 5 { // the line column arrives with version 5
			record = fmt.Sprintf("INSERT INTO %s.river_migration (version) VALUES (%d);", Schema, v.Version)
		}
		unrecord := fmt.Sprintf("DELETE FROM %s.river_migration WHERE version = %d;", Schema, v.Version)
		if v.Version == 1 {
			unrecord = "" // the down migration drops the table
		}
		// One statement block each way: River's SQL has function bodies that goose must not
		// split, and River applies each version in one transaction too.
		body := fmt.Sprintf("-- +goose Up\n-- +goose StatementBegin\n%s\n%s\n-- +goose StatementEnd\n\n-- +goose Down\n-- +goose StatementBegin\n%s\n%s\n-- +goose StatementEnd\n",
			render(v.SQLUp), record, unrecord, render(v.SQLDown))
		out[fmt.Sprintf("%05d_river_%s.sql", v.Version, strings.ReplaceAll(v.Name, " ", "_"))] = &fstest.MapFile{Data: []byte(body)}
	}
	return out
}

func render(sql string) string {
	return strings.ReplaceAll(sql, "/* TEMPLATE: schema */", Schema+".")
}
