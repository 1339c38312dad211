package main

import (
	"context"
	"flag"
	"log/slog"
)

func runSeed(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	cfg.register(fs, false)
	products := fs.Int("products", 10_000, "number of products to generate")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the store already holds products")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_ = products
	_ = ifEmpty
	slog.Info("no domains to seed yet")
	return nil
}
