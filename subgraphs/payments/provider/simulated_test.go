package provider_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

func TestSimulatedKeepsOutcomesByIdempotencyKey(t *testing.T) {
	sim := provider.NewSimulated(0)
	ctx := context.Background()
	auth := payments.ProviderRequest{IdempotencyKey: "k1", OrderID: "o1", Amount: payments.Money{Amount: 500, Currency: "EUR"}, PaymentMethod: provider.CardVisa}

	first, err := sim.Authorize(ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	again, err := sim.Authorize(ctx, auth)
	if err != nil || again.Reference != first.Reference {
		t.Fatalf("replay = %+v, %v, want the first charge %s", again, err, first.Reference)
	}
	changed := auth
	changed.Amount.Amount = 600
	if _, err := sim.Authorize(ctx, changed); err == nil || payments.CodeOf(err) != "" {
		t.Errorf("same key, other amount: err = %v, want a plain error", err)
	}

	declined := payments.ProviderRequest{IdempotencyKey: "k2", OrderID: "o2", Amount: auth.Amount, PaymentMethod: provider.CardDeclined}
	for range 2 {
		if _, err := sim.Authorize(ctx, declined); payments.CodeOf(err) != payments.CodeDeclined {
			t.Fatalf("declined card: %v", err)
		}
	}
	if got := sim.Executed(payments.OpAuthorize); got != 2 {
		t.Errorf("executed %d authorizations, want 2 (one charge, one decline)", got)
	}
	if got := sim.Calls(payments.OpAuthorize); got != 5 {
		t.Errorf("counted %d calls, want 5", got)
	}
	if len(sim.Charges()) != 1 {
		t.Errorf("charges = %+v, want one", sim.Charges())
	}
}

func TestSimulatedRefusesWhatItsChargeForbids(t *testing.T) {
	sim := provider.NewSimulated(0)
	ctx := context.Background()
	eur := payments.Money{Amount: 500, Currency: "EUR"}
	res, err := sim.Authorize(ctx, payments.ProviderRequest{IdempotencyKey: "a", Amount: eur, PaymentMethod: provider.CardVisa})
	if err != nil {
		t.Fatal(err)
	}
	on := func(key string, amount int64) payments.ProviderRequest {
		return payments.ProviderRequest{IdempotencyKey: key, Amount: payments.Money{Amount: amount, Currency: "EUR"}, Authorization: res.Reference}
	}
	if _, err := sim.Refund(ctx, on("r0", 100)); err == nil {
		t.Error("refunded an uncaptured charge")
	}
	if _, err := sim.Void(ctx, on("v", 500)); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Capture(ctx, on("c", 500)); err == nil {
		t.Error("captured a voided charge")
	}
	if _, err := sim.Capture(ctx, payments.ProviderRequest{IdempotencyKey: "x", Amount: eur, Authorization: "sim_ch_unknown"}); err == nil {
		t.Error("captured an unknown charge")
	}
}

func TestSimulatedLatencyHonoursTheDeadline(t *testing.T) {
	sim := provider.NewSimulated(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := sim.Authorize(ctx, payments.ProviderRequest{IdempotencyKey: "k", Amount: payments.Money{Amount: 1, Currency: "EUR"}, PaymentMethod: provider.CardVisa})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("err = %v after %v, want the deadline", err, time.Since(start))
	}
	if len(sim.Charges()) != 0 {
		t.Error("charged after the caller gave up")
	}
}
