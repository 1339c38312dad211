package cartresolvers_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// A cart opens only to its owner: another customer, a guest, or a guest holding another
// cart's token gets NOT_FOUND, exactly as for a cart that does not exist, and nothing changes.
func TestOthersCartsAreNotFound(t *testing.T) {
	f := newFixture(t)
	alicesCart := f.customerCart(t, alice)
	v := f.mustMutate(t, asCustomer(alice), "addToCart", add(alicesCart.ID, 1, "TEE-M", 1))
	guestCart, token := f.createGuestCart(t)
	_, otherToken := f.createGuestCart(t)
	const missing = "01JZZZZZZZZZZZZZZZZZZZZZZZ"

	tests := []struct {
		name   string
		who    caller
		cartID string
	}{
		{"bob reads alice's cart", asCustomer(bob), alicesCart.ID},
		{"a guest reads alice's cart", asGuest(token), alicesCart.ID},
		{"another guest reads a guest cart", asGuest(otherToken), guestCart.ID},
		{"a guest without token reads a guest cart", asGuest(""), guestCart.ID},
		{"bob reads a guest cart without its token", asCustomer(bob), guestCart.ID},
		{"alice reads a cart that does not exist", asCustomer(alice), missing},
	}
	query := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Cart { id lines { sku } } } }`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp := f.cart(t, tt.who, tt.cartID)
			if c != nil || resp.Code() != "NOT_FOUND" {
				t.Fatalf("cart(id): %+v %+v, want NOT_FOUND", c, resp.Errors)
			}
			resp = f.post(t, tt.who, query, map[string]any{"r": []any{map[string]any{"__typename": "Cart", "id": tt.cartID}}})
			if resp.Code() != "NOT_FOUND" || strings.Contains(string(resp.Data), "TEE-M") {
				t.Fatalf("_entities: %s %+v, want NOT_FOUND", resp.Data, resp.Errors)
			}
			for _, m := range []struct {
				name  string
				input map[string]any
			}{
				{"addToCart", add(tt.cartID, v.Version, "MUG", 1)},
				{"updateCartLine", add(tt.cartID, v.Version, "TEE-M", 5)},
				{"removeCartLine", map[string]any{"cartId": tt.cartID, "version": v.Version, "sku": "TEE-M"}},
			} {
				p, resp := f.mutate(t, tt.who, m.name, m.input)
				if resp.Code() != "NOT_FOUND" || p.Cart != nil {
					t.Fatalf("%s: %+v %+v, want NOT_FOUND", m.name, resp.Errors, p)
				}
			}
			// A replayed mutation id must not open the cart either.
			_, resp = f.mutate(t, tt.who, "addToCart", with(add(tt.cartID, 1, "TEE-M", 1), "clientMutationId", "x"))
			if resp.Code() != "NOT_FOUND" {
				t.Fatalf("replay: %+v, want NOT_FOUND", resp.Errors)
			}
		})
	}
	if got := f.customerCart(t, alice); got.Version != v.Version || got.quantities() != "TEE-M×1" {
		t.Fatalf("alice's cart changed: version %d, %s", got.Version, got.quantities())
	}
	// The owners still get in.
	if c, _ := f.cart(t, asCustomer(alice), alicesCart.ID); c == nil {
		t.Fatal("alice cannot read her cart by id")
	}
	if c, _ := f.cart(t, asGuest(token), guestCart.ID); c == nil {
		t.Fatal("the guest cannot read their cart by id")
	}
}

// Customer headers the gateway did not sign are a guest's: a forged customer id opens
// nothing of that customer's.
func TestForgedCustomerHeadersAreAGuest(t *testing.T) {
	f := newFixture(t)
	alicesCart := f.customerCart(t, alice)
	f.mustMutate(t, asCustomer(alice), "addToCart", add(alicesCart.ID, 1, "TEE-M", 1))

	now := strconv.FormatInt(time.Now().Unix(), 10)
	wrongKey := http.Header{}
	trust.NewSigner([]byte("a-client-guessing-the-secret-xxx")).Sign(wrongKey, alice)
	// Signed with the real secret ten minutes ago: a replay of captured headers.
	tenMinutesAgo := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	mac := hmac.New(sha256.New, gatewaySecret)
	mac.Write([]byte(alice + "|" + tenMinutesAgo))
	stale := http.Header{trust.HeaderCustomer: {alice}, trust.HeaderTimestamp: {tenMinutesAgo}, trust.HeaderSignature: {hex.EncodeToString(mac.Sum(nil))}}
	bobsSignature := http.Header(asCustomer(bob)).Clone()
	bobsSignature.Set(trust.HeaderCustomer, alice)

	tests := []struct {
		name   string
		header http.Header
	}{
		{"customer header alone", http.Header{trust.HeaderCustomer: {alice}}},
		{"made-up signature", http.Header{trust.HeaderCustomer: {alice}, trust.HeaderTimestamp: {now}, trust.HeaderSignature: {strings.Repeat("0", 64)}}},
		{"signed with another secret", wrongKey},
		{"stale timestamp", stale},
		{"bob's signature on alice's id", bobsSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			who := caller(tt.header)
			if c, resp := f.cart(t, who, ""); c != nil || len(resp.Errors) > 0 {
				t.Fatalf("own cart: %+v %+v, want null (a guest without token)", c, resp.Errors)
			}
			if _, resp := f.cart(t, who, alicesCart.ID); resp.Code() != "NOT_FOUND" {
				t.Fatalf("alice's cart by id: %+v, want NOT_FOUND", resp.Errors)
			}
			if _, resp := f.mutate(t, who, "addToCart", add(alicesCart.ID, 2, "MUG", 1)); resp.Code() != "NOT_FOUND" {
				t.Fatalf("addToCart: %+v, want NOT_FOUND", resp.Errors)
			}
			if _, resp := f.mutate(t, who, "mergeGuestCart", map[string]any{"guestToken": strings.Repeat("A", 43)}); resp.Code() != "UNAUTHENTICATED" {
				t.Fatalf("mergeGuestCart: %+v, want UNAUTHENTICATED", resp.Errors)
			}
		})
	}
	if got := f.customerCart(t, alice); got.quantities() != "TEE-M×1" {
		t.Fatalf("alice's cart changed: %s", got.quantities())
	}
}

// A signed-in customer who still holds a guest token sees both carts, and their own is the
// default.
func TestCustomerWithGuestToken(t *testing.T) {
	f := newFixture(t)
	guestCart, token := f.createGuestCart(t)
	who := asCustomer(alice).withToken(token)
	own, _ := f.cart(t, who, "")
	if own == nil || own.ID == guestCart.ID {
		t.Fatalf("default cart %+v, want alice's own", own)
	}
	if c, _ := f.cart(t, who, guestCart.ID); c == nil {
		t.Fatal("the guest cart of the presented token must open")
	}
}
