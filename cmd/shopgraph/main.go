// Command shopgraph runs the store: the federation gateway and every subgraph in one process
// (serve), a gateway over any supergraph (gateway), database migrations (migrate) and the demo
// store (seed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = []command{
	{"serve", "run the gateway and all subgraphs in one process", runServe},
	{"migrate", "apply every domain's SQL migrations", runMigrate},
	{"seed", "load the deterministic demo store", runSeed},
	{"gateway", "serve any supergraph: shopgraph gateway --supergraph FILE --listen ADDR", runGateway},
	{"reindex", "rebuild the search index from the catalog (inside the running serve, else directly)", runReindex},
	{"compose", "compose schema/supergraph.graphql from the subgraphs' SDL", runCompose},
	{"documents", "build a trusted-document manifest: shopgraph documents --out FILE DIR", runDocuments},
	{"keys", "partner API keys: keys create --name N | keys list | keys revoke ID", runKeys},
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()})))
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.name != os.Args[1] {
			continue
		}
		if err := c.run(ctx, os.Args[2:]); err != nil && !errors.Is(err, flag.ErrHelp) {
			slog.Error(c.name+" failed", "err", err)
			os.Exit(1)
		}
		return
	}
	usage()
	os.Exit(2)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: shopgraph <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", c.name, c.summary)
	}
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
