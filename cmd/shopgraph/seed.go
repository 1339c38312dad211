package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	catalog "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	identity "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	inventory "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

func runSeed(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	cfg.register(fs, false)
	products := fs.Int("products", 10_000, "number of products to generate")
	customers := fs.Int("customers", 100, "number of demo customers (customerN@example.com, password shopgraph)")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the store already holds products")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if *products < 1 {
		return fmt.Errorf("--products must be at least 1")
	}
	pool, err := openPool(ctx, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	// Customers seed idempotently, so a store seeded before they existed gains them too.
	if err := identity.Seed(ctx, pool, *customers); err != nil {
		return fmt.Errorf("seed customers: %w", err)
	}
	if err := identity.SeedStaff(ctx, pool); err != nil {
		return err
	}
	seeded, err := catalog.IsSeeded(ctx, pool)
	if err != nil {
		return err
	}
	if seeded && *ifEmpty {
		slog.Info("store already seeded; leaving it as is")
		return nil
	}
	if seeded {
		return fmt.Errorf("the store already holds products: seed an empty database (drop it and run `make run`)")
	}

	start := time.Now()
	bar := newBar(*products, "catalog  ")
	skus, err := catalog.Seed(ctx, pool, *products, func(done int) { _ = bar.Set(done) })
	_ = bar.Finish()
	if err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	catalogTook := time.Since(start)

	bar = newBar(len(skus), "inventory")
	err = inventory.Seed(ctx, pool, skus, func(done int) { _ = bar.Set(done) })
	_ = bar.Finish()
	if err != nil {
		return fmt.Errorf("seed inventory: %w", err)
	}
	slog.Info("demo store seeded", "products", *products, "skus", len(skus),
		"catalog", catalogTook.Round(time.Millisecond), "total", time.Since(start).Round(time.Millisecond))
	return nil
}

// newBar draws progress on a terminal and stays silent in logs and CI.
func newBar(total int, label string) *progressbar.ProgressBar {
	var w io.Writer = io.Discard
	if term.IsTerminal(int(os.Stderr.Fd())) {
		w = os.Stderr
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
