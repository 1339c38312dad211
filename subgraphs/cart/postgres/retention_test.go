package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

type retentionFixture struct {
	pool  *pgxpool.Pool
	store *postgres.Store
}

// emptyGuestCart creates a guest cart.
func (f retentionFixture) emptyGuestCart(t *testing.T) (cart.Cart, cart.Owner) {
	t.Helper()
	_, hash, err := cart.NewGuestToken()
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.store.CreateGuestCart(context.Background(), ulid.Make().String(), hash)
	if err != nil {
		t.Fatal(err)
	}
	return c, cart.Owner{GuestTokenHash: hash}
}

// guestCart creates a guest cart with one line, added under a client mutation id.
func (f retentionFixture) guestCart(t *testing.T) (cart.Cart, cart.Owner) {
	t.Helper()
	c, owner := f.emptyGuestCart(t)
	return f.addLine(t, owner, c), owner
}

// addLine adds a line to the cart under a new client mutation id.
func (f retentionFixture) addLine(t *testing.T, owner cart.Owner, c cart.Cart) cart.Cart {
	t.Helper()
	c, err := f.store.Change(context.Background(), cart.Change{Owner: owner, CartID: c.ID, Version: c.Version,
		Mutation: cart.Mutation{ClientID: ulid.Make().String(), RequestHash: []byte("add")}},
		func(c *cart.Cart) error {
			c.Lines = append(c.Lines, cart.Line{SKU: "SKU-" + ulid.Make().String(), Quantity: 1,
				UnitPrice: cart.Money{Amount: 500, Currency: "EUR"}})
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f retentionFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (f retentionFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A guest cart nobody changed for the idle period goes with its lines and mutation ids;
// guest carts changed since, new ones and customers' carts (however old) stay. Mutation ids
// past the window go everywhere; newer ones stay.
func TestRetentionDeletesIdleGuestCartsAndOldMutationIDs(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	f := retentionFixture{pool: pool, store: postgres.NewStore(pool)}
	now := time.Now()
	const idle, window = 30 * 24 * time.Hour, 24 * time.Hour
	ago := func(d time.Duration) time.Time { return now.Add(-d) }

	abandoned, abandonedOwner := f.guestCart(t)
	f.exec(t, `UPDATE cart.cart SET created_at = $2, updated_at = $2 WHERE id = $1`, abandoned.ID, ago(40*24*time.Hour))
	f.exec(t, `UPDATE cart.mutation SET created_at = $2 WHERE cart_id = $1`, abandoned.ID, ago(40*24*time.Hour))
	changedSince, _ := f.guestCart(t)
	f.exec(t, `UPDATE cart.cart SET created_at = $2, updated_at = $3 WHERE id = $1`, changedSince.ID, ago(40*24*time.Hour), ago(time.Hour))
	fresh, _ := f.guestCart(t)
	customer, err := f.store.CustomerCart(ctx, "01JCUSTOMER0000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	customerOwner := cart.Owner{CustomerID: customer.CustomerID}
	customer = f.addLine(t, customerOwner, customer)
	f.exec(t, `UPDATE cart.cart SET created_at = $2, updated_at = $2 WHERE id = $1`, customer.ID, ago(400*24*time.Hour))
	f.exec(t, `UPDATE cart.mutation SET created_at = $2 WHERE cart_id = ANY($1)`, []string{customer.ID, changedSince.ID}, ago(2*window))

	r := &cart.Retention{Store: f.store, MutationWindow: window, GuestCartIdle: idle, Now: func() time.Time { return now }}
	mutations, carts, err := r.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The abandoned cart's mutation id is older than the window too: forgotten first.
	if mutations != 3 || carts != 1 {
		t.Errorf("forgot %d mutation ids and deleted %d guest carts, want 3 and 1", mutations, carts)
	}
	for _, c := range []struct {
		name  string
		id    string
		carts int
		lines int
		muts  int
	}{
		{"abandoned guest cart", abandoned.ID, 0, 0, 0},
		{"guest cart changed since", changedSince.ID, 1, 1, 0},
		{"new guest cart", fresh.ID, 1, 1, 1},
		{"customer's cart", customer.ID, 1, 1, 0},
	} {
		got := [3]int{
			f.count(t, `SELECT count(*) FROM cart.cart WHERE id = $1`, c.id),
			f.count(t, `SELECT count(*) FROM cart.line WHERE cart_id = $1`, c.id),
			f.count(t, `SELECT count(*) FROM cart.mutation WHERE cart_id = $1`, c.id),
		}
		if want := [3]int{c.carts, c.lines, c.muts}; got != want {
			t.Errorf("%s: %v carts, lines and mutation ids, want %v", c.name, got, want)
		}
	}
	if c, err := f.store.GuestCart(ctx, abandonedOwner.GuestTokenHash); err != nil || c != nil {
		t.Errorf("the abandoned cart's token finds %+v, %v; want no cart", c, err)
	}
	if mutations, carts, err := r.RunOnce(ctx); err != nil || mutations+carts != 0 {
		t.Errorf("second run: %d, %d, %v; want nothing left", mutations, carts, err)
	}
}

// A change retried after its mutation id was forgotten quotes a version the cart has moved
// past: it is refused, never applied twice.
func TestRetriedChangeAfterItsIDWasForgottenIsNotAppliedTwice(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	f := retentionFixture{pool: pool, store: postgres.NewStore(pool)}
	c, owner := f.emptyGuestCart(t)
	change := cart.Change{Owner: owner, CartID: c.ID, Version: c.Version,
		Mutation: cart.Mutation{ClientID: "add-once", RequestHash: []byte("add")}}
	add := func(c *cart.Cart) error {
		c.Lines = append(c.Lines, cart.Line{SKU: "SKU-ONCE", Quantity: 1, UnitPrice: cart.Money{Amount: 500, Currency: "EUR"}})
		return nil
	}
	if _, err := f.store.Change(ctx, change, add); err != nil {
		t.Fatal(err)
	}
	if n, err := f.store.ForgetMutations(ctx, time.Now().Add(time.Minute), 10); err != nil || n != 1 {
		t.Fatalf("forgot %d mutation ids (%v), want 1", n, err)
	}
	_, err := f.store.Change(ctx, change, add)
	var rej *cart.Rejection
	if !errors.As(err, &rej) || rej.Code != cart.CodeVersionConflict {
		t.Fatalf("retry after the id was forgotten: %v, want %s", err, cart.CodeVersionConflict)
	}
	if n := f.count(t, `SELECT count(*) FROM cart.line WHERE cart_id = $1`, c.ID); n != 1 {
		t.Errorf("cart has %d lines, want 1", n)
	}
}

// Retention stops with its context.
func TestRetentionRunStopsWithItsContext(t *testing.T) {
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&cart.Retention{Store: postgres.NewStore(pool), Interval: time.Millisecond}).Run(ctx)
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("retention still running after its context ended")
	}
}
