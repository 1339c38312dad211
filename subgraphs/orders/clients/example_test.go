package clients_test

import (
	"context"
	"log"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ordersresolvers "github.com/shopgraph/shopgraph/resolvers/orders"
	cartpg "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	orderspg "github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	"github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// How a binary runs the orders domain in process: checkout over the other domains' services,
// its durable jobs, the recovery sweep, and the outbox relay. Migrate orderspg.Domain and then
// jobs.Domain with the other domains.
func Example() {
	ctx := context.Background()
	var (
		pool         *pgxpool.Pool              // the store's pool
		reservations *inventory.Reservations    // as the inventory subgraph runs them
		pay          *payments.Service          // payments.NewService(paymentspg.NewStore(pool), provider)
		gateway      = []byte("gateway-secret") // trust.SecretsFromEnv().Gateway
	)
	q, err := jobs.New(pool, jobs.Options{})
	if err != nil {
		log.Fatal(err)
	}
	store := orderspg.NewStore(pool).WithSagaJobs(q)
	checkout := orders.NewService(store,
		clients.NewInventory(reservations, 0),
		clients.NewPayments(pay),
		clients.NewCarts(cartpg.NewStore(pool)),
		clients.NewPrices(catalogpg.NewStore(pool)))
	q.Serve(checkout)
	go func() { _ = q.Run(ctx) }()                           // River: one job per saga
	go orders.NewRecovery(checkout, 30*time.Second).Run(ctx) // safety net for jobs River gave up on

	bus, err := jetstream.Open(ctx, jetstream.ConfigFromEnv()) // embedded NATS unless NATS_URL is set
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()
	go outbox.NewRelay(pool, orderspg.Outbox, bus).Run(ctx)

	http.Handle("/subgraphs/orders/graphql", ordersresolvers.NewHandler(store, checkout, gateway))
}
