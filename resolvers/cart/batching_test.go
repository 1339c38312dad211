package cartresolvers_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// cartReads counts the statements that read carts.
type cartReads struct{ n atomic.Int64 }

func (c *cartReads) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, "FROM cart.cart c") {
		c.n.Add(1)
	}
	return ctx
}

func (c *cartReads) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The gateway asks for many Cart entities in one _entities call; they cost one query, lines
// included, and only the caller's carts come back.
func TestCartEntitiesAreReadInOneQuery(t *testing.T) {
	reads := &cartReads{}
	f := newFixtureWith(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = reads })

	var reps []any
	for range 5 {
		c, token := f.createGuestCart(t)
		f.mustMutate(t, asGuest(token), "addToCart", add(c.ID, 1, "MUG", 1))
		reps = append(reps, map[string]any{"__typename": "Cart", "id": c.ID})
	}
	alicesCart := f.customerCart(t, alice)
	reps = append(reps, map[string]any{"__typename": "Cart", "id": alicesCart.ID})

	reads.n.Store(0)
	resp := f.post(t, asCustomer(alice), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Cart { id lines { sku quantity } } } }`,
		map[string]any{"r": reps})
	if n := reads.n.Load(); n != 1 {
		t.Fatalf("%d cart queries for %d entities, want 1", n, len(reps))
	}
	// Alice holds none of the guest tokens: only her own cart resolves.
	if len(resp.Errors) != 5 || !strings.Contains(string(resp.Data), alicesCart.ID) {
		t.Fatalf("data %s, %d errors; want alice's cart and 5 NOT_FOUND", resp.Data, len(resp.Errors))
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] != "NOT_FOUND" {
			t.Fatalf("error %+v, want NOT_FOUND", e)
		}
	}
}
