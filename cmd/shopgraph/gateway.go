package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/shopgraph/shopgraph/gateway/server"
)

// runGateway serves any Federation v2 supergraph, with its subgraphs reached over HTTP at the
// URLs the supergraph names.
func runGateway(ctx context.Context, args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.StringVar(&cfg.SupergraphPath, "supergraph", "", "supergraph SDL file (required)")
	fs.StringVar(&cfg.ListenAddr, "listen", envOr("LISTEN_ADDR", "127.0.0.1:4000"), "HTTP listen address (env LISTEN_ADDR)")
	registerGateway(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.SupergraphPath == "" {
		return fmt.Errorf("gateway: --supergraph is required")
	}
	slog.Info("gateway serving", "supergraph", cfg.SupergraphPath, "graphql", "http://"+cfg.ListenAddr+"/graphql")
	return server.Run(ctx, cfg)
}
