package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// commands are what the equivalence test asks of an order, by name.
func commands(order string) map[string]payments.Command {
	auth := payments.Command{Operation: payments.OpAuthorize, OrderID: order, CustomerID: "cus_ada", Amount: eur1999,
		PaymentMethod: provider.CardVisa, Provider: "simulated"}
	other := auth
	other.Amount.Amount = 2500
	return map[string]payments.Command{
		"authorize":         auth,
		"authorize another": other,
		"capture":           {Operation: payments.OpCapture, OrderID: order, Provider: "simulated"},
		"void":              {Operation: payments.OpVoid, OrderID: order, Provider: "simulated"},
		"refund":            {Operation: payments.OpRefund, OrderID: order, Amount: payments.Money{Amount: 500, Currency: "EUR"}, Provider: "simulated"},
	}
}

// history brings an order to a state through the store, as callers would.
type history func(t *testing.T, f fixture, order string)

// step begins the named command with the given lease and ends it with outcome: "succeed",
// "fail", "release", or "" to leave it running.
func step(name string, lease time.Duration, outcome string) history {
	return func(t *testing.T, f fixture, order string) {
		t.Helper()
		ctx := context.Background()
		a, err := f.store.Begin(ctx, commands(order)[name], lease)
		if err != nil {
			t.Fatalf("history: %s: %v", name, err)
		}
		switch outcome {
		case "succeed":
			_, err = f.store.Succeed(ctx, a, "ref_"+name)
		case "fail":
			_, err = f.store.Fail(ctx, a, payments.Decline("card_declined", "declined"))
		case "release":
			err = f.store.Release(ctx, a)
		}
		if err != nil {
			t.Fatalf("history: %s %s: %v", outcome, name, err)
		}
	}
}

// sql changes the order's intent behind the store's back, for states only a crash leaves.
func sql(set string) history {
	return func(t *testing.T, f fixture, order string) {
		t.Helper()
		if _, err := f.pool.Exec(context.Background(), `UPDATE payments.intent SET `+set+` WHERE order_id = $1`, order); err != nil {
			t.Fatal(err)
		}
	}
}

func steps(hs ...history) history {
	return func(t *testing.T, f fixture, order string) {
		t.Helper()
		for _, h := range hs {
			h(t, f, order)
		}
	}
}

// Begin's one statement answers exactly what reading, deciding in Go and writing answer, and
// leaves the same rows: every command on every state an order can be in, each run on two
// orders with the same history, one through Begin and one through the read path alone.
func TestBeginTakesWhatTheReadPathWould(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	minute, gone := time.Minute, -time.Second
	authorized := step("authorize", minute, "succeed")
	captured := steps(authorized, step("capture", minute, "succeed"))
	states := []struct {
		name string
		h    history
	}{
		{"no intent", steps()},
		{"authorize pending", step("authorize", minute, "release")},
		{"authorize leased", step("authorize", minute, "")},
		{"authorize lease ran out", step("authorize", gone, "")},
		{"authorize declined", step("authorize", minute, "fail")},
		{"authorized", authorized},
		{"authorized, leased with nothing pending", steps(authorized, sql(`lease_token = 'x', lease_until = now() + interval '1 minute'`))},
		{"authorized, lease ran out with nothing pending", steps(authorized, sql(`lease_token = 'x', lease_until = now() - interval '1 second'`))},
		{"capture pending", steps(authorized, step("capture", minute, "release"))},
		{"capture leased", steps(authorized, step("capture", minute, ""))},
		{"capture lease ran out", steps(authorized, step("capture", gone, ""))},
		{"capture declined", steps(authorized, step("capture", minute, "fail"))},
		{"captured", captured},
		{"void pending", steps(authorized, step("void", minute, "release"))},
		{"void declined", steps(authorized, step("void", minute, "fail"))},
		{"voided", steps(authorized, step("void", minute, "succeed"))},
		{"refunded in part", steps(captured, step("refund", minute, "succeed"))},
	}
	tookLease := map[string]bool{}
	for _, s := range states {
		for _, name := range []string{"authorize", "authorize another", "capture", "void", "refund"} {
			t.Run(s.name+"/"+name, func(t *testing.T) {
				byTake, byRead := ulid.Make().String(), ulid.Make().String()
				s.h(t, f, byTake)
				s.h(t, f, byRead)
				a, err := f.store.Begin(ctx, commands(byTake)[name], minute)
				want, wantErr := f.store.BeginByReading(ctx, commands(byRead)[name], minute)
				got, expected := describe(byTake, a, err), describe(byRead, want, wantErr)
				if !reflect.DeepEqual(got, expected) {
					t.Errorf("Begin answered\n  %+v\nthe read path\n  %+v", got, expected)
				}
				gotRows, wantRows := f.rows(t, byTake, a.Lease), f.rows(t, byRead, want.Lease)
				if gotRows != wantRows {
					t.Errorf("Begin left\n  %s\nthe read path\n  %s", gotRows, wantRows)
				}
				if a.Lease != "" {
					tookLease[name] = true
				}
			})
		}
	}
	// The comparison covers the common cases, where Begin takes the lease in its one statement.
	for _, name := range []string{"authorize", "capture", "void"} {
		if !tookLease[name] {
			t.Errorf("no state let %s take the lease", name)
		}
	}
}

// outcome is what Begin answered, without what differs between two orders.
type outcome struct {
	Err           string
	Code          string
	Retryable     bool
	DeclineReason string
	Command       payments.Command
	Intent        payments.Intent
	Touched       bool // the intent's updated_at is past its created_at
	Leased, Done  bool
}

func describe(order string, a payments.Attempt, err error) outcome {
	if err != nil {
		o := outcome{Err: strings.ReplaceAll(err.Error(), order, "ORDER"), Code: payments.CodeOf(err)}
		var pe *payments.Error
		if errors.As(err, &pe) {
			o.Retryable, o.DeclineReason = pe.Retryable, pe.DeclineReason
		}
		return o
	}
	o := outcome{Command: a.Command, Intent: a.Intent, Leased: a.Lease != "", Done: a.Done}
	o.Command.OrderID = ""
	o.Touched = a.Intent.UpdatedAt.After(a.Intent.CreatedAt)
	o.Intent.ID, o.Intent.OrderID, o.Intent.CreatedAt, o.Intent.UpdatedAt = "", "", time.Time{}, time.Time{}
	return o
}

// rows is the order's intent and operation records as JSON, without ids and times, with the
// lease as whether it is live and whether it is lease's, and each request hash named by the
// command it fingerprints.
func (f fixture) rows(t *testing.T, order, lease string) string {
	t.Helper()
	cs := commands(order)
	var intent, ops []byte
	err := f.pool.QueryRow(context.Background(), `
		SELECT
			(SELECT (to_jsonb(i) - '{id,order_id,created_at,updated_at,lease_token,lease_until}'::text[])
				|| jsonb_build_object('live_lease', coalesce(lease_until > now(), false),
					'lease_is_attempts', coalesce(lease_token = $2, false), 'touched', updated_at > created_at)
			 FROM payments.intent i WHERE order_id = $1),
			(SELECT jsonb_agg((to_jsonb(o) - '{order_id,request_hash,created_at,updated_at}'::text[])
				|| jsonb_build_object('request', CASE request_hash WHEN $3 THEN 'authorize' WHEN $4 THEN 'authorize another'
					WHEN $5 THEN 'capture' WHEN $6 THEN 'void' WHEN $7 THEN 'refund' END)
				ORDER BY operation)
			 FROM payments.operation o WHERE order_id = $1)`,
		order, lease, postgres.RequestHash(cs["authorize"]), postgres.RequestHash(cs["authorize another"]),
		postgres.RequestHash(cs["capture"]), postgres.RequestHash(cs["void"]), postgres.RequestHash(cs["refund"]),
	).Scan(&intent, &ops)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]json.RawMessage{"intent": nullJSON(intent), "operations": nullJSON(ops)})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func nullJSON(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}

// Callers racing to begin the same operation of one order: exactly one takes the lease and
// records the operation once, every other is told the operation is in progress.
func TestRacingBeginsTakeOneLease(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()
	cs := commands(order)
	for _, name := range []string{"authorize", "capture"} {
		const callers = 12
		var wg sync.WaitGroup
		attempts := make(chan payments.Attempt, callers)
		errs := make(chan error, callers)
		for range callers {
			wg.Go(func() {
				a, err := f.store.Begin(ctx, cs[name], time.Minute)
				if err != nil {
					errs <- err
					return
				}
				attempts <- a
			})
		}
		wg.Wait()
		close(attempts)
		close(errs)
		var leased []payments.Attempt
		for a := range attempts {
			leased = append(leased, a)
		}
		for err := range errs {
			if payments.CodeOf(err) != payments.CodeInProgress {
				t.Errorf("%s: %v, want %s", name, err, payments.CodeInProgress)
			}
		}
		if len(leased) != 1 || leased[0].Lease == "" {
			t.Fatalf("%s: %d callers began it (%+v), want exactly one with a lease", name, len(leased), leased)
		}
		var tries int
		var token string
		if err := f.pool.QueryRow(ctx, `
			SELECT o.tries, i.lease_token FROM payments.operation o JOIN payments.intent i USING (order_id)
			WHERE o.order_id = $1 AND o.operation = $2`, order, cs[name].Operation).Scan(&tries, &token); err != nil {
			t.Fatal(err)
		}
		if tries != 1 || token != leased[0].Lease {
			t.Errorf("%s: recorded %d tries under lease %s, want 1 under the winner's %s", name, tries, token, leased[0].Lease)
		}
		if _, err := f.store.Succeed(ctx, leased[0], "ref_"+name); err != nil {
			t.Fatal(err)
		}
	}
}
