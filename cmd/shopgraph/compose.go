package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/shopgraph/shopgraph/gateway/compose"
	"github.com/shopgraph/shopgraph/schema"
)

// supergraphFile is where `shopgraph compose` writes the supergraph that `serve` runs.
const supergraphFile = "schema/supergraph.graphql"

func runCompose(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	out := fs.String("out", supergraphFile, "file to write the supergraph SDL to ('-' for stdout)")
	base := fs.String("base-url", "http://"+defaultListenAddr, "URL the subgraphs are served under (a split deployment points elsewhere)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sdl, err := composeSupergraph(*base)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err := fmt.Print(sdl)
		return err
	}
	if err := os.WriteFile(*out, []byte(sdl), 0o644); err != nil {
		return err
	}
	slog.Info("supergraph written", "file", *out)
	return nil
}

// composeSupergraph composes the subgraphs whose SDL ships in the binary.
func composeSupergraph(baseURL string) (string, error) {
	sdls, err := schema.Subgraphs()
	if err != nil {
		return "", err
	}
	var subgraphs []compose.Subgraph
	for _, s := range sdls {
		subgraphs = append(subgraphs, compose.Subgraph{Name: s.Name, URL: baseURL + subgraphPath(s.Name), SDL: s.SDL})
	}
	return compose.Compose(subgraphs)
}
