package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	"github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
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

// A saga parked on a step that keeps failing gets a River job in the transaction that parks
// it, and the job alone (no recovery sweep runs) takes it up again when it is due and ends it:
// a capture the provider kept losing is retried until it lands, once. A checkout that ends in
// its request schedules no job.
func TestRiverJobsFinishParkedSagas(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's scheduler")
	}
	ctx := context.Background()
	f := newFixture(t)
	q, err := jobs.New(f.pool, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(f.pool).WithSagaJobs(q)
	service := f.newServiceWith(store)

	f.stock(t, "SKU-RP", 10, 700)
	who := customer()
	out, err := service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(f.cartOf(t, who, item{"SKU-RP", 1}), "river-paid", provider.CardVisa))
	if err != nil || out.Failure != nil {
		t.Fatalf("checkout = %+v (failure %+v), %v", out, out.Failure, err)
	}
	if n := f.count(t, `SELECT count(*) FROM orders_jobs.river_job WHERE kind = 'orders.checkout_saga'`); n != 0 {
		t.Fatalf("%d saga jobs after a checkout that ended in its request, want 0", n)
	}

	var ids []string
	for i := range 3 {
		// Five tries in the request, then two more before the capture lands.
		f.provider.Inject(provider.Fault{Operation: payments.OpCapture, Kind: provider.TimeoutAfterCharging, Times: 7})
		who := customer()
		key := fmt.Sprintf("river-parked-%d", i)
		out, err := service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(f.cartOf(t, who, item{"SKU-RP", 1}), key, provider.CardVisa))
		if err != nil || failureCode(out) != orders.CodeCheckoutPending {
			t.Fatalf("%s: checkout = %+v (failure %+v), %v; want CHECKOUT_PENDING", key, out, out.Failure, err)
		}
		ids = append(ids, sagaID(t, f, key))
	}
	if n := f.count(t, `SELECT count(*) FROM orders_jobs.river_job WHERE kind = 'orders.checkout_saga'`); n != len(ids) {
		t.Fatalf("%d saga jobs, want %d (one per parked saga)", n, len(ids))
	}

	q.Serve(service)
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
			t.Fatal("parked sagas still unfinished after 30s")
		}
		time.Sleep(50 * time.Millisecond) // polling a bounded wait; correctness does not hang on it
	}
	for _, id := range ids {
		assertSettled(t, f, id)
		saga, err := f.store.Saga(ctx, id)
		if err != nil || saga.Status != orders.SagaCompleted {
			t.Errorf("saga %s = %s, %v; want COMPLETED", id, saga.Status, err)
		}
		if l := f.ledger(t, id); !sameCounts(l, map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpCapture: 1}) {
			t.Errorf("saga %s: ledger %v, want one authorization and one capture", id, l)
		}
	}
}
