package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/shopgraph/shopgraph/subgraphs/migrate"
)

func runMigrate(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.register(fs, false)
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if err := migrate.Up(ctx, cfg.databaseURL, allDomains()...); err != nil {
		return err
	}
	slog.Info("migrations applied", "domains", len(allDomains()))
	return nil
}
