package ordersresolvers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph/resolvers/graphqltest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	ordersresolvers "github.com/shopgraph/shopgraph/resolvers/orders"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
	cartpg "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
	"github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	paymentspg "github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

var gatewaySecret = []byte("gateway-secret-gateway-secret-ga")

const (
	alice = "01JCUSTOMERA0000000000000A"
	bob   = "01JCUSTOMERB0000000000000B"
	carol = "01JCUSTOMERC0000000000000C"
)

// prices stands in for the catalog: every SKU costs 12.50 EUR.
type prices struct{}

func (prices) PriceOf(_ context.Context, skus []string) (map[string]cart.Money, error) {
	out := map[string]cart.Money{}
	for _, s := range skus {
		out[s] = cart.Money{Amount: 1250, Currency: "EUR"}
	}
	return out, nil
}

func (prices) CurrentPrices(_ context.Context, skus []string) (map[string]orders.Money, error) {
	out := map[string]orders.Money{}
	for _, s := range skus {
		out[s] = orders.Money{Amount: 1250, Currency: "EUR"}
	}
	return out, nil
}

type fixture struct {
	handler http.Handler
	carts   *cart.Service
	prov    *provider.Simulated
	pool    *pgxpool.Pool
	queries *queryLog
}

// queryLog counts the statements that read orders tables, by table.
type queryLog struct {
	mu     sync.Mutex
	counts map[string]int
}

var ordersTable = regexp.MustCompile(`FROM orders\.("order"|order_status)`)

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := ordersTable.FindStringSubmatch(d.SQL); m != nil {
		l.counts[m[1]]++
	}
	return ctx
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *queryLog) reset() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts
	l.counts = map[string]int{}
	return c
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	queries := &queryLog{counts: map[string]int{}}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = queries },
		cartpg.Domain, inventorypg.Domain, paymentspg.Domain, postgres.Domain)
	ctx := context.Background()
	center := ulid.Make().String()
	if _, err := pool.Exec(ctx, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES ($1, 'BER', 'Berlin', 52.52, 13.40)`, center); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('MUG', $1, 50)`, center); err != nil {
		t.Fatal(err)
	}
	prov := provider.NewSimulated(0)
	cartStore := cartpg.NewStore(pool)
	store := postgres.NewStore(pool)
	svc := orders.NewService(store,
		clients.NewInventory(inventory.NewReservations(inventorypg.NewStore(pool)), 0),
		clients.NewPayments(payments.NewService(paymentspg.NewStore(pool), prov)),
		clients.NewCarts(cartStore), prices{})
	return fixture{handler: ordersresolvers.NewHandler(store, svc, gatewaySecret), carts: cart.NewService(cartStore, prices{}),
		prov: prov, pool: pool, queries: queries}
}

// cartOf fills the customer's cart with units of MUG.
func (f fixture) cartOf(t *testing.T, customerID string, units int) string {
	t.Helper()
	ctx := context.Background()
	owner := cart.NewOwner(customerID, "")
	c, err := f.carts.CartOf(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.carts.AddToCart(ctx, owner, cart.AddToCart{CartID: c.ID, Version: c.Version, SKU: "MUG", Quantity: units}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// post sends a request as the customer ("" for a guest) with extra headers.
func (f fixture) post(t *testing.T, customerID string, headers map[string]string, query string, vars map[string]any) graphqltest.Response {
	t.Helper()
	h := http.Header{}
	if customerID != "" {
		trust.NewSigner(gatewaySecret).Sign(h, customerID)
	}
	for k, v := range headers {
		h.Set(k, v)
	}
	return graphqltest.PostWith(t, f.handler, h, query, vars)
}

const checkoutMutation = `mutation($input: CheckoutInput!) {
  checkout(input: $input) {
    order { id status total { amount currency } lines { sku quantity unitPrice { amount } } statusHistory { status } }
    userErrors { code message field }
    unavailableLines { sku requested available }
  }
}`

type checkoutData struct {
	Checkout struct {
		Order *struct {
			ID            string
			Status        string
			Total         struct{ Amount int64 }
			StatusHistory []struct{ Status string }
		}
		UserErrors       []struct{ Code string }
		UnavailableLines []struct {
			SKU       string
			Requested int
		}
	}
}

func checkoutInput(cartID string, extra map[string]any) map[string]any {
	in := map[string]any{
		"cartId": cartID,
		"shippingAddress": map[string]any{"name": "Ada", "line1": "Unter den Linden 1", "city": "Berlin",
			"postalCode": "10117", "country": "DE", "latitude": 52.52, "longitude": 13.40},
		"paymentMethod": map[string]any{"cardNumber": provider.CardVisa},
	}
	for k, v := range extra {
		in[k] = v
	}
	return map[string]any{"input": in}
}

func decode[T any](t *testing.T, r graphqltest.Response) T {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var v T
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
