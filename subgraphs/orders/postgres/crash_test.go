package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

var errCrash = errors.New("process stopped")

// crashingStore stops the saga at its nth write, as a process that dies there: with the write
// lost (before) or made (after). Nothing the saga had in memory survives; only the database
// does.
type crashingStore struct {
	orders.Store
	at     int32
	after  bool
	writes atomic.Int32
}

func (c *crashingStore) write(do func() error) error {
	if c.writes.Add(1) != c.at {
		return do()
	}
	if c.after {
		if err := do(); err != nil {
			return err
		}
	}
	return errCrash
}

func (c *crashingStore) Claim(ctx context.Context, s orders.Saga, h []byte, ttl, lease time.Duration, o *orders.Outcome) (orders.Claim, error) {
	var out orders.Claim
	err := c.write(func() (err error) { out, err = c.Store.Claim(ctx, s, h, ttl, lease, o); return err })
	return out, err
}

func (c *crashingStore) SaveStep(ctx context.Context, s *orders.Saga, lease time.Duration) error {
	return c.write(func() error { return c.Store.SaveStep(ctx, s, lease) })
}

func (c *crashingStore) SaveValidated(ctx context.Context, s *orders.Saga, lease time.Duration) error {
	return c.write(func() error { return c.Store.SaveValidated(ctx, s, lease) })
}

func (c *crashingStore) CreateOrder(ctx context.Context, s *orders.Saga, o orders.Order, lease time.Duration) error {
	return c.write(func() error { return c.Store.CreateOrder(ctx, s, o, lease) })
}

func (c *crashingStore) MarkPaid(ctx context.Context, s *orders.Saga, lease time.Duration) error {
	return c.write(func() error { return c.Store.MarkPaid(ctx, s, lease) })
}

func (c *crashingStore) Park(ctx context.Context, s *orders.Saga, retryAfter time.Duration) error {
	return c.write(func() error { return c.Store.Park(ctx, s, retryAfter) })
}

func (c *crashingStore) Complete(ctx context.Context, s *orders.Saga, out orders.Outcome) (orders.Order, error) {
	var placed orders.Order
	err := c.write(func() (err error) { placed, err = c.Store.Complete(ctx, s, out); return err })
	return placed, err
}

func (c *crashingStore) StartCompensation(ctx context.Context, s *orders.Saga, lease time.Duration) error {
	return c.write(func() error { return c.Store.StartCompensation(ctx, s, lease) })
}

func (c *crashingStore) Fail(ctx context.Context, s *orders.Saga, out orders.Outcome) error {
	return c.write(func() error { return c.Store.Fail(ctx, s, out) })
}

// A process dies at every write of a checkout, forward (a good card) and compensating (a
// declined card), before and after the write lands. Another process's recovery worker then
// ends every saga: terminal, no active hold, no money kept for a failed order, one capture
// for a paid one, and the buyer's retry with the same key gets the final outcome.
func TestCrashAfterEveryStep(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, orders.WithLease(time.Minute))
	later := func() time.Time { return time.Now().Add(time.Hour) }
	for _, card := range []string{provider.CardVisa, provider.CardDeclined} {
		for _, after := range []bool{false, true} {
			for at := int32(1); ; at++ {
				name := fmt.Sprintf("card %s, crash at write %d, after %v", card[12:], at, after)
				sku := fmt.Sprintf("SKU-C%s%d%v", card[12:], at, after)
				f.stock(t, sku, 3, 900)
				who := customer()
				key := "key-" + sku
				req := request(f.cartOf(t, who, item{sku, 2}), key, card)
				crashing := &crashingStore{Store: f.store, at: at, after: after}
				_, err := f.newServiceWith(crashing).Checkout(ctx, orders.CartOwner{CustomerID: who}, req)
				if crashing.writes.Load() < at {
					break // the checkout ended before the nth write: every write was covered
				}
				if !errors.Is(err, errCrash) {
					t.Fatalf("%s: checkout = %v, want the crash", name, err)
				}
				if at == 1 && !after {
					// Died before claiming the key: nothing to recover.
					if n := f.count(t, `SELECT count(*) FROM orders.saga WHERE idempotency_key = $1`, key); n != 0 {
						t.Fatalf("%s: %d sagas", name, n)
					}
					continue
				}
				if _, err := f.newService(orders.WithClock(later)).RecoverOnce(ctx, 10); err != nil {
					t.Fatalf("%s: recover: %v", name, err)
				}
				id := sagaID(t, f, key)
				t.Run(name, func(t *testing.T) { assertSettled(t, f, id) })
				onHand := f.count(t, `SELECT on_hand FROM inventory.stock WHERE sku = $1`, sku)
				saga, _ := f.store.Saga(ctx, id)
				if want := map[orders.SagaStatus]int{orders.SagaCompleted: 1, orders.SagaFailed: 3}[saga.Status]; onHand != want {
					t.Errorf("%s: on hand %d after a %s saga, want %d", name, onHand, saga.Status, want)
				}
				retry, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, req)
				if err != nil || (saga.Status == orders.SagaCompleted) != (retry.Failure == nil) {
					t.Errorf("%s: retry after recovery = %+v (failure %+v), %v; saga %s", name, retry, retry.Failure, err, saga.Status)
				}
			}
		}
	}
}
