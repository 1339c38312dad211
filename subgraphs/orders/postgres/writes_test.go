package postgres_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// The plan and cart version are written by the claim and by SaveValidated only: the saga's
// other writes leave them as recorded, whatever the runner holds in memory.
func TestOnlyValidationWritesThePlan(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	who := customer()
	saga := orders.Saga{ID: orders.NewID(), Scope: "customer:" + who, IdempotencyKey: "plan", CustomerID: who, CartID: orders.NewID(),
		CartVersion: 3, Step: orders.StepValidated, ForwardStep: orders.StepClaimed, Status: orders.SagaRunning,
		Plan: orders.Plan{Currency: "EUR", Subtotal: 1998, Total: 1998, DeliveryOption: orders.DeliveryStandard, ShippingAddress: berlin,
			Lines: []orders.Line{{SKU: "SKU-P", Quantity: 2, UnitPrice: 999}}},
		PaymentMethod: "pm_card_visa", LeaseToken: orders.NewID()}
	claim, err := f.store.Claim(ctx, saga, make([]byte, 32), time.Hour, time.Minute, nil)
	if err != nil || claim.Saga == nil {
		t.Fatalf("claim = %+v, %v", claim, err)
	}
	claimed := *claim.Saga
	// The claim answers with the saga it was given; read back column by column, it is the same.
	read, err := f.store.Saga(ctx, saga.ID)
	if err != nil || !reflect.DeepEqual(read, claimed) {
		t.Fatalf("claimed saga\n%+v\nread back\n%+v, %v", claimed, read, err)
	}
	if claimed.LockedUntil.IsZero() || claimed.CreatedAt.IsZero() || claimed.Plan.Total != 1998 {
		t.Fatalf("claimed saga %+v", claimed)
	}

	changed := claimed
	changed.Plan = orders.Plan{Currency: "EUR", Total: 1}
	changed.CartVersion = 9
	changed.Step, changed.Attempts, changed.LastError = orders.StepReserved, 2, "stock service slow"
	if err := f.store.SaveStep(ctx, &changed, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Saga(ctx, saga.ID)
	switch {
	case err != nil:
		t.Fatal(err)
	case got.Step != orders.StepReserved || got.Attempts != 2 || got.LastError != "stock service slow":
		t.Fatalf("SaveStep wrote step %s, attempts %d, error %q", got.Step, got.Attempts, got.LastError)
	case got.Plan.Total != 1998 || got.CartVersion != 3:
		t.Fatalf("SaveStep wrote the plan (total %d) or cart version (%d)", got.Plan.Total, got.CartVersion)
	}

	if err := f.store.SaveValidated(ctx, &changed, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err = f.store.Saga(ctx, saga.ID); err != nil || got.Plan.Total != 1 || got.CartVersion != 9 {
		t.Fatalf("after SaveValidated: plan total %d, cart version %d, %v; want 1, 9", got.Plan.Total, got.CartVersion, err)
	}

	lost := changed
	lost.LeaseToken = "someone else's"
	if err := f.store.SaveValidated(ctx, &lost, time.Minute); err != orders.ErrLeaseLost {
		t.Fatalf("SaveValidated without the lease = %v, want ErrLeaseLost", err)
	}
}

// A saga recorded CLAIMED, before validation moved ahead of the claim (an empty plan), whose
// runner stopped, is taken over and failed: nothing was held or charged, the plan it never
// had stays empty, and its key answers with the failure.
func TestRecoverSagaClaimedBeforeValidation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id, who := ulid.Make().String(), customer()
	f.exec(t, `INSERT INTO orders.idempotency_key (scope, key, request_hash, order_id, expires_at)
		VALUES ($1, 'old', sha256(''), $2, now() + interval '1 hour')`, "customer:"+who, id)
	f.exec(t, `INSERT INTO orders.saga (id, scope, idempotency_key, customer_id, cart_id, step, forward_step, status, plan,
		                                 payment_method, lease_token, locked_until)
		VALUES ($1, $2, 'old', $3, $4, 'CLAIMED', 'CLAIMED', 'RUNNING', '{}', 'pm_card_visa', 'gone', now() - interval '1 minute')`,
		id, "customer:"+who, who, ulid.Make().String())
	if n, err := f.service.RecoverOnce(ctx, 10); err != nil || n != 1 {
		t.Fatalf("recover = %d, %v; want the one saga", n, err)
	}
	assertSettled(t, f, id)
	saga, err := f.store.Saga(ctx, id)
	if err != nil || saga.Status != orders.SagaFailed || saga.Failure == nil || saga.Failure.Code != orders.CodeCheckoutFailed {
		t.Fatalf("recovered saga: %+v, %v; want FAILED with CHECKOUT_FAILED", saga, err)
	}
	if len(saga.Plan.Lines) != 0 || saga.Plan.Total != 0 {
		t.Errorf("recovered saga has plan %+v, want the empty one it was claimed with", saga.Plan)
	}
	rec, err := f.store.IdempotencyRecord(ctx, "customer:"+who, "old")
	if err != nil || rec == nil || rec.Outcome == nil || rec.Outcome.Failure == nil || rec.Outcome.Failure.Code != orders.CodeCheckoutFailed {
		t.Fatalf("key after recovery: %+v, %v", rec, err)
	}
}

// The order a checkout answers with, which completion builds from the plan and the order's
// own columns without reading back its lines and address, is the order as stored.
func TestCheckoutAnswersTheStoredOrder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-ANS-1", 10, 999)
	f.stock(t, "SKU-ANS-2", 10, 1999)
	who := customer()
	cartID := f.cartOf(t, who, item{"SKU-ANS-2", 1}, item{"SKU-ANS-1", 3})
	out, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(cartID, "answer", provider.CardVisa))
	if err != nil || out.Failure != nil || out.Order == nil {
		t.Fatalf("checkout = %+v (failure %+v), %v", out, out.Failure, err)
	}
	stored, err := f.store.OrderByID(ctx, out.OrderID)
	if err != nil || stored == nil {
		t.Fatalf("stored order: %v, %v", stored, err)
	}
	if !reflect.DeepEqual(*out.Order, *stored) {
		t.Fatalf("checkout answered\n%+v\nstored\n%+v", *out.Order, *stored)
	}
	want := orders.Order{ID: out.OrderID, CustomerID: who, CartID: cartID, Status: orders.StatusPaid, Currency: "EUR",
		Lines:    []orders.Line{{SKU: "SKU-ANS-2", Quantity: 1, UnitPrice: 1999}, {SKU: "SKU-ANS-1", Quantity: 3, UnitPrice: 999}},
		Subtotal: 4996, Shipping: stored.Shipping, Total: 4996 + stored.Shipping, DeliveryOption: orders.DeliveryStandard,
		ShippingAddress: berlin, PlacedAt: stored.PlacedAt, UpdatedAt: stored.UpdatedAt}
	if !reflect.DeepEqual(*stored, want) || stored.Shipping <= 0 || stored.PlacedAt.IsZero() {
		t.Fatalf("stored order\n%+v\nwant\n%+v", *stored, want)
	}
}
