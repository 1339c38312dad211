package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/compose"
	"github.com/shopgraph/shopgraph/gateway/identity"
	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/gateway/transport"
	cartresolvers "github.com/shopgraph/shopgraph/resolvers/cart"
	identityresolvers "github.com/shopgraph/shopgraph/resolvers/identity"
	"github.com/shopgraph/shopgraph/schema"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
	cartpg "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	identitypg "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

type fixedPrices map[string]cart.Money

func (p fixedPrices) PriceOf(_ context.Context, skus []string) (map[string]cart.Money, error) {
	out := map[string]cart.Money{}
	for _, s := range skus {
		if m, ok := p[s]; ok {
			out[s] = m
		}
	}
	return out, nil
}

// newStore serves the identity and cart subgraphs in process behind the gateway, wired as
// the binary wires them: the gateway signs customer headers and forwards the cart token.
func newStore(t *testing.T) http.Handler {
	t.Helper()
	forwarded := transport.Forwarded
	transport.Forwarded = append(append([]string(nil), forwarded...), trust.HeaderCartToken)
	t.Cleanup(func() { transport.Forwarded = forwarded })

	pool := pgtest.NewPool(t, nil, identitypg.Domain, cartpg.Domain)
	if err := identitypg.Seed(context.Background(), pool, 2); err != nil {
		t.Fatal(err)
	}
	secrets := trust.Secrets{Token: []byte("token-secret-token-secret-token-s"), Gateway: []byte("gateway-secret-gateway-secret-ga")}
	tokens := trust.NewTokens(secrets.Token)
	prices := fixedPrices{"TEE-M": {Amount: 1999, Currency: "EUR"}, "MUG": {Amount: 899, Currency: "EUR"}}

	sdls, err := schema.Subgraphs()
	if err != nil {
		t.Fatal(err)
	}
	var subgraphs []compose.Subgraph
	for _, s := range sdls {
		if s.Name == "identity" || s.Name == "cart" {
			subgraphs = append(subgraphs, compose.Subgraph{Name: s.Name, URL: "http://" + s.Name + ".test/graphql", SDL: s.SDL})
		}
	}
	supergraph, err := compose.Compose(subgraphs)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := server.NewHandler(server.Config{
		SupergraphSDL: supergraph,
		InProcess: map[string]http.Handler{
			"identity": identityresolvers.NewHandler(identitypg.NewStore(pool), tokens, secrets.Gateway),
			"cart":     cartresolvers.NewHandler(cartpg.NewStore(pool), prices, secrets.Gateway),
		},
		SubgraphHeaders: identity.New(tokens, trust.NewSigner(secrets.Gateway)).SubgraphHeaders,
	})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

type response struct {
	Status int
	Data   map[string]json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func send(t *testing.T, gw http.Handler, header http.Header, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	var resp response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("status %d, body %s: %v", rec.Code, rec.Body, err)
	}
	resp.Status = rec.Code
	if len(resp.Errors) > 0 && rec.Code == http.StatusOK {
		t.Logf("errors: %+v", resp.Errors)
	}
	return resp
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

type cartView struct {
	ID      string
	Version int
	Lines   []struct {
		Variant  struct{ Sku string }
		Quantity int
	}
}

// A shopper browses as a guest, signs in through the gateway, and takes the guest cart along;
// a client that names a customer in headers of its own stays a guest.
func TestSignInAndMergeThroughTheGateway(t *testing.T) {
	gw := newStore(t)
	guest := http.Header{}

	// Browsing as a guest: a cart of their own, opened by its token.
	r := send(t, gw, guest, `mutation { createGuestCart { cartToken cart { id version } } }`, nil)
	created := decode[struct {
		CartToken string
		Cart      cartView
	}](t, r.Data["createGuestCart"])
	guest.Set(trust.HeaderCartToken, created.CartToken)
	r = send(t, gw, guest, `mutation($in: AddToCartInput!) { addToCart(input: $in) { cart { id version lines { variant { sku } quantity } } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"cartId": created.Cart.ID, "version": 1, "sku": "MUG", "quantity": 2}})
	if added := decode[struct{ Cart cartView }](t, r.Data["addToCart"]); len(added.Cart.Lines) != 1 || added.Cart.Lines[0].Variant.Sku != "MUG" {
		t.Fatalf("guest add: %s", r.Data["addToCart"])
	}

	// Signing in.
	r = send(t, gw, nil, `mutation { login(input: {email: "customer1@example.com", password: "shopgraph"}) { token customer { id } userErrors { code } } }`, nil)
	login := decode[struct {
		Token    *string
		Customer *struct{ ID string }
	}](t, r.Data["login"])
	if login.Token == nil {
		t.Fatalf("login: %s", r.Data["login"])
	}
	customer := http.Header{"Authorization": {"Bearer " + *login.Token}}
	r = send(t, gw, customer, `{ me { id email } }`, nil)
	if me := decode[*struct{ ID, Email string }](t, r.Data["me"]); me == nil || me.ID != login.Customer.ID {
		t.Fatalf("me: %s", r.Data["me"])
	}

	// Taking the guest cart along.
	r = send(t, gw, customer, `mutation($in: MergeGuestCartInput!) { mergeGuestCart(input: $in) { cart { id lines { variant { sku } quantity } } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"guestToken": created.CartToken, "clientMutationId": "after-login"}})
	merged := decode[struct{ Cart cartView }](t, r.Data["mergeGuestCart"])
	if merged.Cart.ID == created.Cart.ID || len(merged.Cart.Lines) != 1 || merged.Cart.Lines[0].Quantity != 2 {
		t.Fatalf("merge: %s", r.Data["mergeGuestCart"])
	}
	r = send(t, gw, customer, `{ cart { id } }`, nil)
	if own := decode[cartView](t, r.Data["cart"]); own.ID != merged.Cart.ID {
		t.Fatalf("customer's cart %s, want %s", r.Data["cart"], merged.Cart.ID)
	}

	// A client naming the customer in the gateway's own headers is still a guest.
	forged := http.Header{}
	trust.NewSigner([]byte("a-client-guessing-the-secret-xxx")).Sign(forged, login.Customer.ID)
	r = send(t, gw, forged, `{ me { id } cart { id } }`, nil)
	if string(r.Data["me"]) != "null" || string(r.Data["cart"]) != "null" {
		t.Fatalf("forged headers: me %s, cart %s; want null and null", r.Data["me"], r.Data["cart"])
	}
	r = send(t, gw, forged, `query($id: ID) { cart(id: $id) { id } }`, map[string]any{"id": merged.Cart.ID})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Fatalf("forged headers reading the customer's cart: %+v", r.Errors)
	}

	// A token that does not verify is refused outright.
	r = send(t, gw, http.Header{"Authorization": {"Bearer " + *login.Token + "x"}}, `{ me { id } }`, nil)
	if r.Status != http.StatusUnauthorized || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != identity.CodeUnauthenticated {
		t.Fatalf("bad token: status %d, %+v", r.Status, r.Errors)
	}
}
