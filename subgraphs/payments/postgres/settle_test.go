package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// Succeed and Fail, from the caller holding the lease, return the intent they computed rather
// than the row they wrote: it must be the stored intent, field for field, after every kind of
// operation and decline.
func TestSettledIntentIsTheStoredIntent(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	refund := func(amount int64) payments.Money { return payments.Money{Amount: amount, Currency: "EUR"} }
	captured, voided, declined, refunded := ulid.Make().String(), ulid.Make().String(), ulid.Make().String(), ulid.Make().String()
	steps := []struct {
		name    string
		command payments.Command
		decline bool
	}{
		{"authorize", authorizeCommand(captured, "cus_ada"), false},
		{"capture", payments.Command{Operation: payments.OpCapture, OrderID: captured}, false},
		{"partial refund", payments.Command{Operation: payments.OpRefund, OrderID: captured, Amount: refund(500)}, false},
		{"guest authorize", authorizeCommand(voided, ""), false},
		{"declined capture", payments.Command{Operation: payments.OpCapture, OrderID: voided}, true},
		{"void after the declined capture", payments.Command{Operation: payments.OpVoid, OrderID: voided}, false},
		{"declined authorize", authorizeCommand(declined, "cus_ada"), true},
		{"authorize to refund", authorizeCommand(refunded, "cus_ada"), false},
		{"capture to refund", payments.Command{Operation: payments.OpCapture, OrderID: refunded}, false},
		{"full refund", payments.Command{Operation: payments.OpRefund, OrderID: refunded, Amount: refund(1999)}, false},
	}
	for _, s := range steps {
		s.command.Provider = "simulated"
		a, err := f.store.Begin(ctx, s.command, time.Minute)
		if err != nil || a.Lease == "" {
			t.Fatalf("%s: begin = %+v, %v", s.name, a, err)
		}
		var got payments.Intent
		if s.decline {
			got, err = f.store.Fail(ctx, a, payments.Decline("card_declined", "the card was declined"))
		} else {
			got, err = f.store.Succeed(ctx, a, "ref_"+s.name)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		stored, err := f.store.IntentByOrder(ctx, s.command.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if got != stored || got.UpdatedAt.Before(a.Intent.UpdatedAt) {
			t.Errorf("%s returned %+v\nstored %+v", s.name, got, stored)
		}
	}
}

func authorizeCommand(order, customer string) payments.Command {
	return payments.Command{Operation: payments.OpAuthorize, OrderID: order, CustomerID: customer,
		Amount: payments.Money{Amount: 1999, Currency: "EUR"}, PaymentMethod: "pm_card_visa"}
}
