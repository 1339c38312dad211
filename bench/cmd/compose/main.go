// Command compose writes the benchmark supergraph (bench/supergraph.graphql) from the four
// subgraphs' SDLs with the gateway's own composer, routing to the ports bench/cmd/subgraphs uses.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/shopgraph/shopgraph/bench/subgraphs"
	"github.com/shopgraph/shopgraph/gateway/compose"
)

func main() {
	out := flag.String("out", "bench/supergraph.graphql", "where to write the supergraph")
	port := flag.Int("port", 18201, "port of the first subgraph")
	flag.Parse()
	var sgs []compose.Subgraph
	for i, name := range subgraphs.Names {
		sgs = append(sgs, compose.Subgraph{
			Name: name,
			URL:  fmt.Sprintf("http://127.0.0.1:%d/graphql", *port+i),
			SDL:  subgraphs.SDL[name],
		})
	}
	sdl, err := compose.Compose(sgs)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, []byte(sdl), 0o644); err != nil {
		log.Fatal(err)
	}
}
