package inventoryresolvers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shopgraph/shopgraph/resolvers/graphqltest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

const (
	rotterdam = "01KE6P4YM47JTZARED010EGNK2"
	leipzig   = "01KE6P4YM0YFZMTH8Y8AF1G8GN"
)

// queryCounter is a pgx tracer that counts the statements a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// gatewaySecret is the secret the tests' gateway signs caller headers with.
var gatewaySecret = []byte("inventory-test-gateway-secret-0123456789")

var (
	staff    = trust.Caller{CustomerID: "01JSTAFF000000000000000001", Role: trust.RoleStaff}
	customer = trust.Caller{CustomerID: "01JCUSTOMER000000000000001", Role: trust.RoleCustomer}
)

// as returns h as the caller reaches it through the gateway, with signed caller headers; a
// zero Caller is a guest and sends none.
func as(h http.Handler, c trust.Caller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.Guest() {
			trust.NewSigner(gatewaySecret).SignCaller(r.Header, c)
		}
		h.ServeHTTP(w, r)
	})
}

type subgraph struct {
	handler http.Handler // as a guest reaches it: reads need no caller
	staff   http.Handler // as signed-in staff reach it: operators' mutations
	pool    *pgxpool.Pool
	queries *queryCounter
}

func newSubgraph(t testing.TB) *subgraph {
	t.Helper()
	counter := &queryCounter{}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = counter }, postgres.Domain)
	h := inventoryresolvers.NewHandler(postgres.NewStore(pool), inventoryresolvers.WithGatewaySecret(gatewaySecret))
	s := &subgraph{handler: h, staff: as(h, staff), pool: pool, queries: counter}
	s.exec(t, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES
		($1, 'NL-RTM', 'Rotterdam Waalhaven', 51.886, 4.431),
		($2, 'DE-LEJ', 'Leipzig Schkeuditz', 51.4239, 12.2364)`, rotterdam, leipzig)
	return s
}

func (s *subgraph) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := s.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

type response = graphqltest.Response

func do(t testing.TB, h http.Handler, query string, variables map[string]any) response {
	t.Helper()
	return graphqltest.Post(t, h, query, variables)
}

// decode unmarshals the data of a response that must have no errors.
func decode(t testing.TB, resp response, into any) {
	t.Helper()
	if len(resp.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, into); err != nil {
		t.Fatalf("decode %s: %v", resp.Data, err)
	}
}

func TestServiceSDL(t *testing.T) {
	s := newSubgraph(t)
	var data struct {
		Service struct{ SDL string } `json:"_service"`
	}
	decode(t, do(t, s.handler, `{ _service { sdl } }`, nil), &data)
	sdl := strings.Join(strings.Fields(data.Service.SDL), " ")
	for _, want := range []string{
		`extend schema @link( url: "https://specs.apollo.dev/federation/v2.7"`,
		`type Variant @key(fields: "sku") {`,
		`type Product @key(fields: "id") {`,
		`variants: [Variant!]! @external`,
		`inStock: Boolean! @requires(fields: "variants { sku }") @cacheControl(maxAge: 5)`,
		`type FulfillmentCenter @key(fields: "id") @cacheControl(maxAge: 300) {`,
		`type UserError @shareable {`,
		`restock(input: RestockInput!): RestockPayload!`,
		`setHotSku(input: SetHotSkuInput!): SetHotSkuPayload!`,
		`holds(orderId: ID!): [Hold!]!`,
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("_service.sdl lacks %q:\n%s", want, data.Service.SDL)
		}
	}
	// The router adds _entities and _service itself; a subgraph SDL that repeats them breaks composition.
	if strings.Contains(sdl, "_entities") || strings.Contains(sdl, "_Any") {
		t.Errorf("_service.sdl exposes federation internals:\n%s", data.Service.SDL)
	}
}
