package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
	cartpg "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	inventoryredis "github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	"github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	paymentspg "github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// fixture is checkout over the real inventory, payments and cart stores in one test database,
// with the simulated payment provider and a price list standing in for the catalog.
type fixture struct {
	pool         *pgxpool.Pool
	store        *postgres.Store
	provider     *provider.Simulated
	payments     *payments.Service
	reservations *inventory.Reservations
	carts        *cart.Service
	cartStore    *cartpg.Store
	prices       *priceList
	service      *orders.Service
	center       string
}

// priceList is the catalog's prices for the test: both the cart's and checkout's view.
type priceList struct {
	mu sync.Mutex
	m  map[string]int64 // EUR cents
}

func (p *priceList) set(sku string, cents int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[sku] = cents
}

func (p *priceList) PriceOf(_ context.Context, skus []string) (map[string]cart.Money, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]cart.Money{}
	for _, s := range skus {
		if c, ok := p.m[s]; ok {
			out[s] = cart.Money{Amount: c, Currency: "EUR"}
		}
	}
	return out, nil
}

func (p *priceList) CurrentPrices(_ context.Context, skus []string) (map[string]orders.Money, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]orders.Money{}
	for _, s := range skus {
		if c, ok := p.m[s]; ok {
			out[s] = orders.Money{Amount: c, Currency: "EUR"}
		}
	}
	return out, nil
}

func newFixture(t testing.TB, opts ...orders.Option) *fixture {
	t.Helper()
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = 24 },
		cartpg.Domain, inventorypg.Domain, paymentspg.Domain, postgres.Domain, jobs.Domain)
	f := &fixture{pool: pool, store: postgres.NewStore(pool), provider: provider.NewSimulated(0),
		prices: &priceList{m: map[string]int64{}}, center: ulid.Make().String(), cartStore: cartpg.NewStore(pool)}
	f.payments = payments.NewService(paymentspg.NewStore(pool), f.provider, payments.WithProviderTimeout(2*time.Second))
	f.reservations = inventory.NewReservations(inventorypg.NewStore(pool))
	f.carts = cart.NewService(f.cartStore, f.prices)
	f.exec(t, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES ($1, 'BER', 'Berlin', 52.52, 13.40)`, f.center)
	f.service = f.newService(opts...)
	return f
}

// withFlashSale puts the fixture's inventory on the Redis flash-sale path for hot SKUs (the
// Redis of the test script, REDIS_URL, under a prefix of the test's own).
func (f *fixture) withFlashSale(t testing.TB) {
	t.Helper()
	client := redistest.Client(t)
	prefix := redistest.Prefix(t, client, "orders")
	flash, err := inventoryredis.New(client, inventoryredis.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flash.Close() })
	f.reservations = inventory.NewReservations(inventorypg.NewStore(f.pool), inventory.WithFlashSale(flash))
	f.service = f.newService()
}

// newService is a checkout service on the fixture, as another process would run it.
func (f *fixture) newService(opts ...orders.Option) *orders.Service {
	return f.newServiceWith(f.store, opts...)
}

func (f *fixture) newServiceWith(store orders.Store, opts ...orders.Option) *orders.Service {
	opts = append([]orders.Option{orders.WithRetries(5, time.Millisecond)}, opts...)
	return orders.NewService(store, clients.NewInventory(f.reservations, 0), clients.NewPayments(f.payments),
		clients.NewCarts(f.cartStore), f.prices, opts...)
}

func (f *fixture) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// stock puts units of a SKU, priced at cents, in the fixture's center.
func (f *fixture) stock(t testing.TB, sku string, units int, cents int64) {
	t.Helper()
	f.prices.set(sku, cents)
	f.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ($1, $2, $3)`, sku, f.center, units)
}

type item struct {
	sku string
	qty int
}

// cartOf fills a new customer's cart and returns its id.
func (f *fixture) cartOf(t testing.TB, customerID string, items ...item) string {
	t.Helper()
	id, err := f.newCart(context.Background(), customerID, items...)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newCart is cartOf for goroutines other than the test's.
func (f *fixture) newCart(ctx context.Context, customerID string, items ...item) (string, error) {
	owner := cart.NewOwner(customerID, "")
	c, err := f.carts.CartOf(ctx, owner)
	if err != nil {
		return "", err
	}
	version := c.Version
	for _, it := range items {
		got, err := f.carts.AddToCart(ctx, owner, cart.AddToCart{CartID: c.ID, Version: version, SKU: it.sku, Quantity: it.qty})
		if err != nil {
			return "", fmt.Errorf("add %s to cart: %w", it.sku, err)
		}
		version = got.Version
	}
	return c.ID, nil
}

var berlin = orders.Address{Name: "Ada Lovelace", Line1: "Unter den Linden 1", City: "Berlin", PostalCode: "10117", Country: "DE", Latitude: 52.52, Longitude: 13.40}

func request(cartID, key, card string) orders.CheckoutRequest {
	return orders.CheckoutRequest{CartID: cartID, IdempotencyKey: key, ShippingAddress: berlin, PaymentMethod: card, DeliveryOption: orders.DeliveryStandard}
}

func customer() string { return "cus_" + ulid.Make().String() }

// ledger counts the ledger entries of an order by operation.
func (f *fixture) ledger(t testing.TB, orderID string) map[payments.Operation]int {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT operation FROM payments.ledger_entry WHERE order_id = $1`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[payments.Operation]int{}
	for rows.Next() {
		var op string
		if err := rows.Scan(&op); err != nil {
			t.Fatal(err)
		}
		out[payments.Operation(op)]++
	}
	return out
}

func cartOwner(customerID string) cart.Owner { return cart.NewOwner(customerID, "") }
