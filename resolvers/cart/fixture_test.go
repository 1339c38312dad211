package cartresolvers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph/resolvers/graphqltest"

	"github.com/jackc/pgx/v5/pgxpool"

	cartresolvers "github.com/shopgraph/shopgraph/resolvers/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

var gatewaySecret = []byte("gateway-secret-gateway-secret-ga")

// Customers of the tests; the cart subgraph takes any id the gateway vouches for.
const (
	alice = "01JCUSTOMERA0000000000000A"
	bob   = "01JCUSTOMERB0000000000000B"
)

// catalogPrices stands in for the catalog in tests.
type catalogPrices struct {
	mu     sync.Mutex
	prices map[string]cart.Money
}

func (p *catalogPrices) PriceOf(_ context.Context, skus []string) (map[string]cart.Money, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]cart.Money{}
	for _, s := range skus {
		if m, ok := p.prices[s]; ok {
			out[s] = m
		}
	}
	return out, nil
}

func (p *catalogPrices) set(sku string, m cart.Money) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prices[sku] = m
}

type fixture struct {
	handler http.Handler
	pool    *pgxpool.Pool
	prices  *catalogPrices
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith lets a test configure the pool (to install a query tracer).
func newFixtureWith(t testing.TB, configure func(*pgxpool.Config)) fixture {
	t.Helper()
	pool := pgtest.NewPool(t, configure, postgres.Domain)
	prices := &catalogPrices{prices: map[string]cart.Money{
		"TEE-M":   {Amount: 1999, Currency: "EUR"},
		"TEE-L":   {Amount: 2199, Currency: "EUR"},
		"MUG":     {Amount: 899, Currency: "EUR"},
		"CAP-USD": {Amount: 1500, Currency: "USD"},
	}}
	return fixture{handler: cartresolvers.NewHandler(postgres.NewStore(pool), prices, gatewaySecret), pool: pool, prices: prices}
}

// caller is the headers a request arrives with at the subgraph.
type caller http.Header

// asCustomer is a request the gateway signed for the customer.
func asCustomer(id string) caller {
	h := http.Header{}
	trust.NewSigner(gatewaySecret).Sign(h, id)
	return caller(h)
}

// asGuest is a guest presenting a cart token ("" for none).
func asGuest(token string) caller {
	h := http.Header{}
	if token != "" {
		h.Set(trust.HeaderCartToken, token)
	}
	return caller(h)
}

func (c caller) withToken(token string) caller {
	h := http.Header(c).Clone()
	h.Set(trust.HeaderCartToken, token)
	return caller(h)
}

func (f fixture) post(t testing.TB, who caller, query string, vars map[string]any) graphqltest.Response {
	t.Helper()
	return graphqltest.PostWith(t, f.handler, http.Header(who), query, vars)
}

type money struct {
	Amount   int64
	Currency string
}

type cartView struct {
	ID       string
	Version  int
	Currency string
	Lines    []struct {
		Sku       string
		Variant   struct{ Sku string }
		Quantity  int
		UnitPrice money
		Subtotal  money
	}
	TotalQuantity int
	Subtotal      money
}

// quantities summarises the lines as "SKU×n ...", in cart order.
func (c *cartView) quantities() string {
	if c == nil {
		return "<no cart>"
	}
	var parts []string
	for _, l := range c.Lines {
		parts = append(parts, l.Sku+"×"+itoa(l.Quantity))
	}
	return strings.Join(parts, " ")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

const cartFields = `id version currency
	lines { sku variant { sku } quantity unitPrice { amount currency } subtotal { amount currency } }
	totalQuantity subtotal { amount currency }`

type userError struct {
	Code    string
	Message string
	Field   []string
}

type payload struct {
	Cart             *cartView
	CartToken        *string
	ClientMutationID *string
	UserErrors       []userError
}

func (p payload) code() string {
	if len(p.UserErrors) == 0 {
		return ""
	}
	return p.UserErrors[0].Code
}

// mutate runs one of the cart mutations that take an input and returns its payload and the
// response (for top-level errors).
func (f fixture) mutate(t testing.TB, who caller, name string, input map[string]any) (payload, graphqltest.Response) {
	t.Helper()
	inputType := strings.ToUpper(name[:1]) + name[1:] + "Input"
	q := `mutation($input: ` + inputType + `!) { ` + name + `(input: $input) {
		cart { ` + cartFields + ` } clientMutationId userErrors { code message field } } }`
	resp := f.post(t, who, q, map[string]any{"input": input})
	var data map[string]payload
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			t.Fatalf("decode %s: %v", resp.Data, err)
		}
	}
	return data[name], resp
}

// mustMutate is mutate for a change that must succeed.
func (f fixture) mustMutate(t testing.TB, who caller, name string, input map[string]any) *cartView {
	t.Helper()
	p, resp := f.mutate(t, who, name, input)
	if len(resp.Errors) > 0 || len(p.UserErrors) > 0 || p.Cart == nil {
		t.Fatalf("%s(%v): errors %+v, userErrors %+v", name, input, resp.Errors, p.UserErrors)
	}
	return p.Cart
}

func (f fixture) createGuestCart(t testing.TB) (cartView, string) {
	t.Helper()
	resp := f.post(t, asGuest(""), `mutation { createGuestCart { cart { `+cartFields+` } cartToken userErrors { code } } }`, nil)
	var data struct{ CreateGuestCart payload }
	if err := json.Unmarshal(resp.Data, &data); err != nil || len(resp.Errors) > 0 {
		t.Fatalf("createGuestCart: %s %+v", resp.Data, resp.Errors)
	}
	p := data.CreateGuestCart
	if p.Cart == nil || p.CartToken == nil {
		t.Fatalf("createGuestCart returned %+v", p)
	}
	return *p.Cart, *p.CartToken
}

// cart reads a cart: the caller's own with id "", else by id.
func (f fixture) cart(t testing.TB, who caller, id string) (*cartView, graphqltest.Response) {
	t.Helper()
	vars := map[string]any{"id": nil}
	if id != "" {
		vars["id"] = id
	}
	resp := f.post(t, who, `query($id: ID) { cart(id: $id) { `+cartFields+` } }`, vars)
	var data struct{ Cart *cartView }
	if len(resp.Data) > 0 {
		_ = json.Unmarshal(resp.Data, &data)
	}
	return data.Cart, resp
}

func (f fixture) customerCart(t testing.TB, customer string) cartView {
	t.Helper()
	c, resp := f.cart(t, asCustomer(customer), "")
	if c == nil {
		t.Fatalf("cart of %s: %+v", customer, resp.Errors)
	}
	return *c
}

func add(cartID string, version int, sku string, quantity int) map[string]any {
	return map[string]any{"cartId": cartID, "version": version, "sku": sku, "quantity": quantity}
}

func with(input map[string]any, key string, value any) map[string]any {
	out := map[string]any{}
	for k, v := range input {
		out[k] = v
	}
	out[key] = value
	return out
}
