// Package schema holds the SDL contracts: one schema/<domain>.graphqls per subgraph, and the
// supergraph composed from them (supergraph.graphql, written by `shopgraph compose`).
package schema

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed *.graphqls
var files embed.FS

// SubgraphSDL is one subgraph's SDL, by subgraph name.
type SubgraphSDL struct {
	Name string
	SDL  string
}

// Subgraphs returns every subgraph's SDL, sorted by name.
func Subgraphs() ([]SubgraphSDL, error) {
	names, err := fs.Glob(files, "*.graphqls")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []SubgraphSDL
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, SubgraphSDL{Name: strings.TrimSuffix(path.Base(n), ".graphqls"), SDL: string(b)})
	}
	return out, nil
}
