package subgraphs

import "io/fs"

// MigrationSource is a folder of goose SQL migrations (NNNNN_name.sql), embedded in the binary.
// Statements name their tables with the domain schema (catalog.product), so a migration reads
// the same whatever the search_path.
type MigrationSource = fs.FS
