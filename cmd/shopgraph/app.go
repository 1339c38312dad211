package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	inventoryredis "github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
)

// app holds what the domains of one process share: connections, the services that cross
// domains in process (reservations for checkout), and the background workers they need.
type app struct {
	pool         *pgxpool.Pool
	rdb          *redis.Client
	flash        *inventoryredis.Flash
	reservations *inventory.Reservations
	secrets      trust.Secrets
	tokens       *trust.Tokens
	workers      []func(context.Context)
}

func newApp(pool *pgxpool.Pool, rdb *redis.Client) (*app, error) {
	secrets, err := trust.SecretsFromEnv()
	if err != nil {
		return nil, err
	}
	flash, err := inventoryredis.New(rdb)
	if err != nil {
		return nil, fmt.Errorf("flash-sale path: %w", err)
	}
	reservations := inventory.NewReservations(inventorypg.NewStore(pool), inventory.WithFlashSale(flash))
	a := &app{pool: pool, rdb: rdb, flash: flash, reservations: reservations,
		secrets: secrets, tokens: trust.NewTokens(secrets.Token)}
	a.workers = append(a.workers,
		(&inventory.Sweeper{Reservations: reservations}).Run, // expired holds back to stock
		(&inventory.Flusher{Reservations: reservations}).Run, // flash-sale changes to Postgres
	)
	return a, nil
}

// run starts the background workers and returns a function that waits for them to stop
// once ctx ends.
func (a *app) run(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w(ctx)
		}()
	}
	return wg.Wait
}

func (a *app) close() {
	_ = a.flash.Close()
}
