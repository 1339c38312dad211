// Command audit-gateway runs the gateway alone, for the federation audit
// (scripts/audit.sh): audit-gateway --supergraph FILE --listen ADDR.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/shopgraph/shopgraph/gateway/server"
)

func main() {
	supergraph := flag.String("supergraph", "supergraph.graphql", "supergraph SDL file")
	listen := flag.String("listen", "127.0.0.1:4000", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, server.Config{SupergraphPath: *supergraph, ListenAddr: *listen}); err != nil {
		slog.Error("gateway stopped", "err", err)
		os.Exit(1)
	}
}
