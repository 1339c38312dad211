package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"

	"github.com/shopgraph/shopgraph/gateway/server"
)

// runGateway serves any Federation v2 supergraph, with its subgraphs reached over HTTP at the
// URLs the supergraph names.
func runGateway(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	cfg.register(fs, true)
	var edge edgeFlags
	edge.register(fs, false)
	cfg.gc.register(fs, "gateway")
	fs.StringVar(&cfg.gateway.SupergraphPath, "supergraph", "", "supergraph SDL file (required; config gateway.supergraph)")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	cfg.gc.apply(fs)
	if cfg.gateway.SupergraphPath == "" {
		return fmt.Errorf("gateway: --supergraph is required")
	}
	cfg.gateway.ListenAddr = cfg.listenAddr
	closeEdge, err := edge.openEdge(ctx, &cfg)
	defer closeEdge()
	if err != nil {
		return err
	}
	closeCache, err := cfg.cache.open(ctx, &cfg)
	defer closeCache()
	if err != nil {
		return err
	}
	stopTracing, err := startTracing(ctx, &cfg.gateway)
	if err != nil {
		return err
	}
	defer stopTracing()
	base := "http://" + cfg.listenAddr
	slog.Info("gateway serving", "supergraph", cfg.gateway.SupergraphPath, "graphql", base+"/graphql",
		"graphiql", base+"/graphiql")
	g, err := server.New(cfg.gateway)
	if err != nil {
		return err
	}
	defer g.Close()
	ln, err := net.Listen("tcp", cfg.listenAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.listenAddr, err)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	waitMetrics, err := serveMetrics(ctx, cfg.gateway.MetricsListen, g.MetricsHandler())
	if err != nil {
		_ = ln.Close()
		return err
	}
	err = serveHTTP(ctx, ln, g.Routes())
	stop() // the metrics listener ends with the public one
	return errors.Join(err, waitMetrics())
}
