package subgraphs

import (
	"embed"
	"io/fs"
)

// MigrationSource is a folder of goose SQL migrations (NNNNN_name.sql), embedded in the binary.
// Statements name their tables with the domain schema (catalog.product), so a migration reads
// the same whatever the search_path.
type MigrationSource = fs.FS

// EmbeddedMigrations is the migrations folder dir of an embedded file system, as a domain's
// migration source. dir is a constant that go:embed has already checked, so it cannot fail.
func EmbeddedMigrations(fsys embed.FS, dir string) MigrationSource {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
