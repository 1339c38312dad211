package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// purgeFixture checks out one customer's keys: "done" (COMPLETED), "declined" (FAILED),
// "fresh" (COMPLETED, not expired) and "running" (its process died mid-saga); every key but
// "fresh" is then made expired.
func purgeFixture(t *testing.T) (*fixture, string, map[string]orders.Outcome) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-PURGE", 10, 1200)
	who := customer()
	owner := orders.CartOwner{CustomerID: who}
	out := map[string]orders.Outcome{}
	for _, c := range []struct{ key, card string }{{"done", provider.CardVisa}, {"declined", provider.CardDeclined}, {"fresh", provider.CardVisa}} {
		o, err := f.service.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-PURGE", 1}), c.key, c.card))
		if err != nil {
			t.Fatalf("checkout %s: %v", c.key, err)
		}
		out[c.key] = o
	}
	if out["done"].Failure != nil || failureCode(out["declined"]) != orders.CodePaymentDeclined {
		t.Fatalf("outcomes = %+v", out)
	}
	crashing := &crashingStore{Store: f.store, at: 2}
	if _, err := f.newServiceWith(crashing).Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-PURGE", 1}), "running", provider.CardVisa)); !errors.Is(err, errCrash) {
		t.Fatalf("running checkout = %v, want the crash", err)
	}
	f.exec(t, `UPDATE orders.idempotency_key SET expires_at = now() - interval '1 second' WHERE key <> 'fresh'`)
	return f, who, out
}

func keysLeft(t *testing.T, f *fixture) map[string]bool {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT key FROM orders.idempotency_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	left := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		left[k] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return left
}

// Expired keys of ended sagas go, in batches until one is short; an unexpired key and the key
// of a running saga stay; the sagas keep their keys' values.
func TestPurgeIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	f, _, _ := purgeFixture(t)

	n, err := f.service.PurgeIdempotencyKeys(ctx, 1)
	if err != nil || n != 2 {
		t.Fatalf("purge = %d, %v; want the 2 expired keys of ended sagas", n, err)
	}
	if left := keysLeft(t, f); len(left) != 2 || !left["fresh"] || !left["running"] {
		t.Fatalf("keys left %v, want fresh and running", left)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.saga WHERE idempotency_key IN ('done', 'declined', 'fresh', 'running') AND scope <> ''`); n != 4 {
		t.Fatalf("%d sagas keep their key, want 4", n)
	}
	if n, err := f.store.PurgeIdempotencyKeys(ctx, 100); err != nil || n != 0 {
		t.Fatalf("second purge = %d, %v; want nothing left to purge", n, err)
	}

	// Even with an outcome written under it, the key of a saga that has not ended stays.
	f.exec(t, `UPDATE orders.idempotency_key SET response = '{}' WHERE key = 'running'`)
	if n, err := f.store.PurgeIdempotencyKeys(ctx, 100); err != nil || n != 0 {
		t.Fatalf("purge = %d, %v; want the running saga's key kept", n, err)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.saga WHERE idempotency_key = 'running' AND status = 'RUNNING'`); n != 1 {
		t.Fatalf("running saga: %d, want it still running", n)
	}
}

// A purged key checks out again as a new order; the old order and its saga stay as they were.
func TestCheckoutAfterPurgeIsANewOrder(t *testing.T) {
	ctx := context.Background()
	f, who, out := purgeFixture(t)
	old := out["done"].OrderID
	var oldStatus string
	if err := f.pool.QueryRow(ctx, `SELECT status FROM orders."order" WHERE id = $1`, old).Scan(&oldStatus); err != nil {
		t.Fatal(err)
	}
	oldHistory := f.count(t, `SELECT count(*) FROM orders.order_status WHERE order_id = $1`, old)
	if _, err := f.service.PurgeIdempotencyKeys(ctx, 100); err != nil {
		t.Fatal(err)
	}

	again, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(f.cartOf(t, who, item{"SKU-PURGE", 1}), "done", provider.CardVisa))
	if err != nil || again.Failure != nil || again.OrderID == "" || again.OrderID == old {
		t.Fatalf("checkout after purge = %+v (failure %+v), %v; want a new order", again, again.Failure, err)
	}
	rec, err := f.store.IdempotencyRecord(ctx, "customer:"+who, "done")
	if err != nil || rec == nil || rec.OrderID != again.OrderID {
		t.Fatalf("key now = %+v, %v; want it on order %s", rec, err, again.OrderID)
	}
	var status string
	if err := f.pool.QueryRow(ctx, `SELECT status FROM orders."order" WHERE id = $1`, old).Scan(&status); err != nil || status != oldStatus {
		t.Fatalf("old order status = %q, %v; want %q", status, err, oldStatus)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.order_status WHERE order_id = $1`, old); n != oldHistory {
		t.Fatalf("old order history has %d entries, want %d", n, oldHistory)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.saga WHERE idempotency_key = 'done' AND status = 'COMPLETED'`); n != 2 {
		t.Fatalf("%d completed sagas under key done, want the old and the new", n)
	}
}

// The foreign key is gone, but a saga is still never created without its key.
func TestSagaIsCreatedWithItsKey(t *testing.T) {
	f := newFixture(t)
	_, err := f.pool.Exec(context.Background(), `
		INSERT INTO orders.saga (id, scope, idempotency_key, cart_id, step, forward_step, status, plan, locked_until)
		VALUES ($1, 'customer:nobody', 'missing', $2, 'CLAIMED', 'CLAIMED', 'RUNNING', '{}', now())`,
		ulid.Make().String(), ulid.Make().String())
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		t.Fatalf("saga without key = %v, want a foreign key violation", err)
	}
}

// The River client runs the purge as a periodic job (once on start, then every PurgeEvery).
func TestRiverPurgesIdempotencyKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's leader election")
	}
	ctx := context.Background()
	f, _, _ := purgeFixture(t)
	q, err := jobs.New(f.pool, jobs.Options{PurgeEvery: time.Hour, PurgeBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	q.Serve(f.service)
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
	for f.count(t, `SELECT count(*) FROM orders_jobs.river_job WHERE kind = $1 AND state = 'completed'`, jobs.PurgeArgs{}.Kind()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no purge job completed after 30s")
		}
		time.Sleep(50 * time.Millisecond) // polling a bounded wait; correctness does not hang on it
	}
	if left := keysLeft(t, f); len(left) != 2 || !left["fresh"] || !left["running"] {
		t.Fatalf("keys left %v, want fresh and running", left)
	}
}

// Purges racing checkouts that reuse expired keys never delete a key a new checkout took:
// every reuse places a new order and ends holding its key.
func TestPurgeRacesCheckoutsReusingKeys(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-RACE", 100, 900)
	const n = 8
	who := make([]string, n)
	first := make([]string, n)
	for i := range who {
		who[i] = customer()
		o, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who[i]}, request(f.cartOf(t, who[i], item{"SKU-RACE", 1}), "again", provider.CardVisa))
		if err != nil || o.Failure != nil {
			t.Fatalf("first checkout %d = %+v, %v", i, o, err)
		}
		first[i] = o.OrderID
	}
	carts := make([]string, n)
	for i := range carts {
		carts[i] = f.cartOf(t, who[i], item{"SKU-RACE", 1})
	}
	f.exec(t, `UPDATE orders.idempotency_key SET expires_at = now() - interval '1 second'`)

	var wg sync.WaitGroup
	second := make([]orders.Outcome, n)
	errs := make([]error, n+1)
	for i := range n {
		wg.Go(func() {
			second[i], errs[i] = f.service.Checkout(ctx, orders.CartOwner{CustomerID: who[i]}, request(carts[i], "again", provider.CardVisa))
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := f.service.PurgeIdempotencyKeys(ctx, 1); err != nil {
				errs[n] = err
				return
			}
		}
	})
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	for i := range n {
		if second[i].Failure != nil || second[i].OrderID == "" || second[i].OrderID == first[i] {
			t.Fatalf("reuse %d = %+v (failure %+v); want a new order", i, second[i], second[i].Failure)
		}
		rec, err := f.store.IdempotencyRecord(ctx, "customer:"+who[i], "again")
		if err != nil || rec == nil || rec.OrderID != second[i].OrderID {
			t.Fatalf("key of %d = %+v, %v; want it on the new order %s", i, rec, err, second[i].OrderID)
		}
	}
}

// Storing a checkout's outcome on its key changes no indexed column, so it is a heap-only
// update: no new entry in any index of the table (TestPurgeIdempotencyKeys shows the purge
// still finds the keys by expiry).
func TestStoringTheOutcomeIsAHeapOnlyUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-HOT-KEY", 10, 1200)
	who := customer()
	if _, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who},
		request(f.cartOf(t, who, item{"SKU-HOT-KEY", 1}), "hot-key", provider.CardVisa)); err != nil {
		t.Fatal(err)
	}
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	hotUpdates := func() (n int64) { // this backend's, not yet flushed to the statistics
		t.Helper()
		if err := tx.QueryRow(ctx, `SELECT pg_stat_get_xact_tuples_hot_updated('orders.idempotency_key'::regclass)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := hotUpdates()
	var updated int64
	if err := tx.QueryRow(ctx, `
		WITH u AS (UPDATE orders.idempotency_key SET response = response || '{"probe": true}' WHERE key = 'hot-key' AND response IS NOT NULL RETURNING 1)
		SELECT count(*) FROM u`).Scan(&updated); err != nil || updated != 1 {
		t.Fatalf("updated %d keys with an outcome (%v), want 1", updated, err)
	}
	hot := hotUpdates() - before
	if hot != 1 {
		t.Errorf("%d heap-only updates of the key, want 1: an index depends on the outcome", hot)
	}
}

// Checkouts that failed before creating an order go once past their retention and their keys
// are purged: the declined one and the one refused OUT_OF_STOCK. A completed checkout, one that
// failed after creating its order, a failed one still under its key, a recent failed one and
// a running one stay.
func TestPurgeFailedAttempts(t *testing.T) {
	ctx := context.Background()
	f, who, out := purgeFixture(t) // done, declined (expired keys), fresh, running
	owner := orders.CartOwner{CustomerID: who}
	short, err := f.service.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-PURGE", 50}), "short", provider.CardVisa))
	if err != nil || failureCode(short) != orders.CodeOutOfStock {
		t.Fatalf("short checkout = %+v, %v; want OUT_OF_STOCK", short, err)
	}
	recent, err := f.service.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-PURGE", 50}), "recent", provider.CardVisa))
	if err != nil || failureCode(recent) != orders.CodeOutOfStock {
		t.Fatalf("recent checkout = %+v, %v; want OUT_OF_STOCK", recent, err)
	}
	// "kept-key" failed like "short" but its key is still there (taken over by a later
	// checkout, say): it stays until the key goes.
	keptKey, err := f.service.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-PURGE", 50}), "kept-key", provider.CardVisa))
	if err != nil || failureCode(keptKey) != orders.CodeOutOfStock {
		t.Fatalf("kept-key checkout = %+v, %v; want OUT_OF_STOCK", keptKey, err)
	}
	f.exec(t, `UPDATE orders.idempotency_key SET expires_at = now() - interval '1 second' WHERE key = 'short'`)
	if _, err := f.service.PurgeIdempotencyKeys(ctx, 100); err != nil {
		t.Fatal(err)
	}
	// "done" failed after creating its order (as a checkout whose capture failed does).
	f.exec(t, `UPDATE orders.saga SET status = 'FAILED' WHERE id = $1`, out["done"].OrderID)
	f.exec(t, `UPDATE orders.saga SET created_at = now() - interval '40 days' WHERE idempotency_key <> 'recent'`)

	// Kept longer, the 40-day-old attempts stay.
	if n, err := f.service.PurgeFailedAttempts(ctx, 1, 50*24*time.Hour); err != nil || n != 0 {
		t.Fatalf("purged %d failed attempts (%v) kept 50 days, want none", n, err)
	}
	n, err := f.service.PurgeFailedAttempts(ctx, 1, 0)
	if err != nil || n != 2 {
		t.Fatalf("purged %d failed attempts (%v), want declined and short", n, err)
	}
	left := map[string]string{}
	rows, err := f.pool.Query(ctx, `SELECT idempotency_key, status FROM orders.saga`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, status string
		if err := rows.Scan(&k, &status); err != nil {
			t.Fatal(err)
		}
		left[k] = status
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"done": "FAILED", "fresh": "COMPLETED", "running": "RUNNING", "recent": "FAILED", "kept-key": "FAILED"}
	if len(left) != len(want) {
		t.Errorf("sagas left %v, want %v", left, want)
	}
	for k, status := range want {
		if left[k] != status {
			t.Errorf("saga %q: %q, want %q (left: %v)", k, left[k], status, left)
		}
	}
	if n, err := f.service.PurgeFailedAttempts(ctx, 100, 0); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want nothing left", n, err)
	}
}
