package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// 100 units, 1,000 buyers of one unit each at once, on the Postgres path and on the Redis
// flash-sale path: exactly 100 orders, stock 0, the other 900 told OUT_OF_STOCK, one capture
// per order, nothing left held.
func TestConcurrentCheckoutsNeverOversell(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 checkouts")
	}
	for _, path := range []string{"postgres", "flash sale"} {
		t.Run(path, func(t *testing.T) {
			f := newFixture(t)
			f.stock(t, "SKU-FLASH", 100, 4999)
			if path == "flash sale" {
				f.withFlashSale(t)
				if err := f.reservations.SetHot(context.Background(), "SKU-FLASH", true); err != nil {
					t.Fatal(err)
				}
			}
			concurrentCheckouts(t, f, 100, 1000)
		})
	}
}

func concurrentCheckouts(t *testing.T, f *fixture, units, buyers int) {
	ctx := context.Background()

	owners := make([]string, buyers)
	carts := make([]string, buyers)
	var g errgroup.Group
	g.SetLimit(16)
	for i := range buyers {
		g.Go(func() (err error) {
			owners[i] = customer()
			carts[i], err = f.newCart(ctx, owners[i], item{"SKU-FLASH", 1})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	outcomes := make([]orders.Outcome, buyers)
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outcomes[i], errs[i] = f.service.Checkout(ctx, orders.CartOwner{CustomerID: owners[i]}, request(carts[i], fmt.Sprintf("buy-%d", i), provider.CardVisa))
		}()
	}
	close(start)
	wg.Wait()

	placed, outOfStock := 0, 0
	for i, o := range outcomes {
		switch {
		case errs[i] != nil:
			t.Fatalf("checkout %d: %v", i, errs[i])
		case o.Failure == nil:
			placed++
		case o.Failure.Code == orders.CodeOutOfStock:
			outOfStock++
		default:
			t.Errorf("checkout %d: %+v", i, o.Failure)
		}
	}
	if placed != units || outOfStock != buyers-units {
		t.Errorf("placed %d, out of stock %d; want %d and %d", placed, outOfStock, units, buyers-units)
	}
	// The flash-sale path writes to Postgres asynchronously; flush what it did.
	if err := f.reservations.FlushOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT on_hand FROM inventory.stock WHERE sku = 'SKU-FLASH'`); n != 0 {
		t.Errorf("on hand = %d, want 0", n)
	}
	if n := f.count(t, `SELECT count(*) FROM orders."order" WHERE status = 'PAID'`); n != units {
		t.Errorf("%d paid orders, want %d", n, units)
	}
	if n := f.count(t, `SELECT count(*) FROM payments.ledger_entry WHERE operation = 'CAPTURE'`); n != units {
		t.Errorf("%d captures in the ledger, want %d", n, units)
	}
	if n := f.provider.Executed(payments.OpCapture); n != units {
		t.Errorf("provider captured %d times, want %d", n, units)
	}
	if n := f.count(t, `SELECT count(*) FROM inventory.hold WHERE status = 'ACTIVE'`); n != 0 {
		t.Errorf("%d holds still active", n)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.saga WHERE status NOT IN ('COMPLETED', 'FAILED')`); n != 0 {
		t.Errorf("%d sagas not terminal", n)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.outbox WHERE type = 'OrderPlaced'`); n != units {
		t.Errorf("%d OrderPlaced events, want %d", n, units)
	}
}

// The same idempotency key sent 50 times at once: one order, one authorization, one capture,
// and every request gets that order.
func TestConcurrentRetriesOfOneKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-ONE", 10, 1500)
	who := customer()
	cartID := f.cartOf(t, who, item{"SKU-ONE", 2})

	const n = 50
	outcomes := make([]orders.Outcome, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outcomes[i], errs[i] = f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(cartID, "double-click", provider.CardVisa))
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || outcomes[i].Failure != nil || outcomes[i].OrderID != outcomes[0].OrderID {
			t.Fatalf("request %d: %+v (failure %+v), %v; want order %s", i, outcomes[i], outcomes[i].Failure, errs[i], outcomes[0].OrderID)
		}
	}
	if c := f.count(t, `SELECT count(*) FROM orders."order"`); c != 1 {
		t.Errorf("%d orders, want 1", c)
	}
	if l := f.ledger(t, outcomes[0].OrderID); l[payments.OpAuthorize] != 1 || l[payments.OpCapture] != 1 || len(l) != 2 {
		t.Errorf("ledger = %v, want one authorization and one capture", l)
	}
	if a, c := f.provider.Executed(payments.OpAuthorize), f.provider.Executed(payments.OpCapture); a != 1 || c != 1 {
		t.Errorf("provider authorized %d and captured %d times, want 1 each", a, c)
	}
	if c := f.count(t, `SELECT on_hand FROM inventory.stock WHERE sku = 'SKU-ONE'`); c != 8 {
		t.Errorf("on hand = %d, want 8", c)
	}
}
