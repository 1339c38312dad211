package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	"github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// River's tables come from the goose migrations of jobs.Domain; River's own migrator agrees
// that every version is applied.
func TestRiverMigrationsAreComplete(t *testing.T) {
	f := newFixture(t)
	m, err := rivermigrate.New(riverpgxv5.New(f.pool), &rivermigrate.Config{Schema: jobs.Schema})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Validate(context.Background(), nil)
	if err != nil || !res.OK {
		t.Fatalf("river migrations: %+v, %v", res, err)
	}
}

// Every saga gets a River job in the transaction that creates it. Sagas whose process died at
// each step are finished by their jobs alone (no recovery sweep runs): every one ends, with
// the invariants of a settled checkout.
func TestRiverJobsFinishSagasOfADeadProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's scheduler")
	}
	ctx := context.Background()
	f := newFixture(t)
	q, err := jobs.New(f.pool, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const lease = 100 * time.Millisecond
	store := postgres.NewStore(f.pool).WithSagaJobs(q)

	var ids []string
	for _, card := range []string{provider.CardVisa, provider.CardDeclined} {
		for at := int32(2); at <= 7; at++ {
			sku := fmt.Sprintf("SKU-R%s%d", card[12:], at)
			f.stock(t, sku, 3, 700)
			who := customer()
			key := "river-" + sku
			crashing := &crashingStore{Store: store, at: at}
			_, err := f.newServiceWith(crashing, orders.WithLease(lease)).Checkout(ctx, orders.CartOwner{CustomerID: who},
				request(f.cartOf(t, who, item{sku, 1}), key, card))
			if !errors.Is(err, errCrash) {
				t.Fatalf("%s: checkout = %v, want the crash", key, err)
			}
			ids = append(ids, sagaID(t, f, key))
		}
	}
	if n := f.count(t, `SELECT count(*) FROM orders_jobs.river_job WHERE kind = 'orders.checkout_saga'`); n != len(ids) {
		t.Fatalf("%d saga jobs, want %d", n, len(ids))
	}

	q.Serve(f.newServiceWith(store, orders.WithLease(lease)))
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := q.Run(runCtx); err != nil {
			t.Error(err)
		}
	}()
	defer func() { stop(); wg.Wait() }()

	deadline := time.Now().Add(30 * time.Second)
	for f.count(t, `SELECT count(*) FROM orders.saga WHERE status NOT IN ('COMPLETED', 'FAILED')`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("sagas still unfinished after 30s")
		}
		time.Sleep(50 * time.Millisecond) // polling a bounded wait; correctness does not hang on it
	}
	for _, id := range ids {
		assertSettled(t, f, id)
	}
}
