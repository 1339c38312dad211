package provider_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stripe/stripe-go/v82"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

var noRetries = stripe.Int64(0)

// stripeMock returns the adapter pointed at the stripe-mock that scripts/stripe-mock.sh runs.
// Without STRIPE_MOCK_URL the test is skipped with a note; with it, stripe-mock must answer.
func stripeMock(t *testing.T) *provider.Stripe {
	t.Helper()
	u := os.Getenv("STRIPE_MOCK_URL")
	if u == "" {
		t.Skip("STRIPE_MOCK_URL is not set: run `bash scripts/stripe-mock.sh && . .data/env` (make test does)")
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatalf("STRIPE_MOCK_URL: %v", err)
	}
	conn, err := net.DialTimeout("tcp", parsed.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("stripe-mock is not listening at %s: %v", u, err)
	}
	conn.Close()
	return provider.NewStripe(provider.StripeConfig{SecretKey: "sk_test_shopgraph", URL: u, MaxNetworkRetries: noRetries})
}

// stripe-mock checks every request against Stripe's OpenAPI description, so this proves the
// adapter sends requests Stripe accepts and reads its answers.
func TestStripeAdapterAgainstStripeMock(t *testing.T) {
	s := stripeMock(t)
	ctx := context.Background()
	order := ulid.Make().String()
	req := payments.ProviderRequest{OrderID: order, Amount: payments.Money{Amount: 1999, Currency: "EUR"}, PaymentMethod: "pm_card_visa"}

	req.IdempotencyKey = "shopgraph-" + order + "-authorize"
	auth, err := s.Authorize(ctx, req)
	if err != nil || !strings.HasPrefix(auth.Reference, "pi_") {
		t.Fatalf("authorize: %+v, %v", auth, err)
	}
	req.Authorization = auth.Reference
	req.IdempotencyKey = "shopgraph-" + order + "-capture"
	if res, err := s.Capture(ctx, req); err != nil || res.Reference == "" {
		t.Fatalf("capture: %+v, %v", res, err)
	}
	req.IdempotencyKey = "shopgraph-" + order + "-refund"
	if res, err := s.Refund(ctx, req); err != nil || !strings.HasPrefix(res.Reference, "re_") {
		t.Fatalf("refund: %+v, %v", res, err)
	}
	req.IdempotencyKey = "shopgraph-" + order + "-void"
	if res, err := s.Void(ctx, req); err != nil || !strings.HasPrefix(res.Reference, "pi_") {
		t.Fatalf("void: %+v, %v", res, err)
	}
}

func TestServiceChargesThroughStripeMock(t *testing.T) {
	s := stripeMock(t)
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	store := postgres.NewStore(pool)
	service := payments.NewService(store, s)
	ctx := context.Background()
	order := ulid.Make().String()

	i, err := service.Authorize(ctx, payments.AuthorizeRequest{OrderID: order, Amount: payments.Money{Amount: 2500, Currency: "EUR"}, PaymentMethod: "pm_card_visa"})
	if err != nil || i.Provider != "stripe" || !strings.HasPrefix(i.ProviderReference, "pi_") {
		t.Fatalf("authorize: %+v, %v", i, err)
	}
	if _, err := service.Capture(ctx, order); err != nil {
		t.Fatal(err)
	}
	if i, err = service.Refund(ctx, order, payments.Money{Amount: 2500, Currency: "EUR"}); err != nil || i.Status != payments.StatusRefunded {
		t.Fatalf("refund: %+v, %v", i, err)
	}
	ledger, err := store.LedgerByIntent(ctx, []string{i.ID})
	if err != nil || len(ledger[i.ID]) != 3 {
		t.Fatalf("ledger = %+v, %v, want three entries", ledger, err)
	}
}

// fakeStripe answers like Stripe for the cases stripe-mock cannot produce (declines, outages)
// and records what the adapter sent.
type fakeStripe struct {
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	path, idempotencyKey string
	form                 url.Values
}

func (f *fakeStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.URL.Path, r.Header.Get("Idempotency-Key"), r.PostForm})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/v1/payment_intents" && r.PostForm.Get("payment_method") == "pm_card_chargeDeclinedInsufficientFunds":
		w.WriteHeader(http.StatusPaymentRequired)
		_, _ = w.Write([]byte(`{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}`))
	case r.URL.Path == "/v1/payment_intents" && r.PostForm.Get("payment_method") == "pm_card_chargeDeclined":
		w.WriteHeader(http.StatusPaymentRequired)
		_, _ = w.Write([]byte(`{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`))
	case r.URL.Path == "/v1/payment_intents" && r.PostForm.Get("payment_method") == "pm_card_authenticationRequired":
		_, _ = w.Write([]byte(`{"id":"pi_3ds","object":"payment_intent","status":"requires_action"}`))
	case r.URL.Path == "/v1/payment_intents" && r.PostForm.Get("payment_method") == "pm_outage":
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"type":"api_error","message":"try again later"}}`))
	case r.URL.Path == "/v1/payment_intents":
		_, _ = w.Write([]byte(`{"id":"pi_1","object":"payment_intent","status":"requires_capture"}`))
	case r.URL.Path == "/v1/payment_intents/pi_1/capture":
		_, _ = w.Write([]byte(`{"id":"pi_1","object":"payment_intent","status":"succeeded","latest_charge":"ch_1"}`))
	case r.URL.Path == "/v1/payment_intents/pi_1/cancel":
		_, _ = w.Write([]byte(`{"id":"pi_1","object":"payment_intent","status":"canceled"}`))
	case r.URL.Path == "/v1/refunds":
		_, _ = w.Write([]byte(`{"id":"re_1","object":"refund","status":"succeeded"}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","message":"unknown path"}}`))
	}
}

func TestStripeAuthorizeOutcomes(t *testing.T) {
	fake := &fakeStripe{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := provider.NewStripe(provider.StripeConfig{SecretKey: "sk_test_x", URL: srv.URL, MaxNetworkRetries: noRetries})
	tests := []struct {
		method    string
		reference string
		code      string // "" for success; the payments code otherwise
		reason    string
	}{
		{"pm_card_visa", "pi_1", "", ""},
		{"pm_card_chargeDeclinedInsufficientFunds", "", payments.CodeDeclined, "insufficient_funds"},
		{"pm_card_chargeDeclined", "", payments.CodeDeclined, "card_declined"},
		{"pm_card_authenticationRequired", "", payments.CodeDeclined, "authentication_required"},
		{"pm_outage", "", "", ""}, // outcome unknown: an error that is not a decline
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			res, err := s.Authorize(context.Background(), payments.ProviderRequest{
				IdempotencyKey: "key-" + tt.method, OrderID: "01KE6P4YM47JTZARED010EGNK2",
				Amount: payments.Money{Amount: 1999, Currency: "EUR"}, PaymentMethod: tt.method,
			})
			if got := payments.CodeOf(err); got != tt.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.code)
			}
			var pe *payments.Error
			if errors.As(err, &pe) && pe.DeclineReason != tt.reason {
				t.Errorf("decline reason = %q, want %q", pe.DeclineReason, tt.reason)
			}
			if tt.reference != "" && (err != nil || res.Reference != tt.reference) {
				t.Errorf("authorize = %+v, %v, want %s", res, err, tt.reference)
			}
			if tt.method == "pm_outage" && err == nil {
				t.Error("an outage returned no error")
			}
		})
	}
}

func TestStripeSendsIdempotencyKeysAndManualCapture(t *testing.T) {
	fake := &fakeStripe{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := provider.NewStripe(provider.StripeConfig{SecretKey: "sk_test_x", URL: srv.URL, MaxNetworkRetries: noRetries})
	ctx := context.Background()
	base := payments.ProviderRequest{OrderID: "01KE6P4YM47JTZARED010EGNK2", Amount: payments.Money{Amount: 1999, Currency: "EUR"}, Authorization: "pi_1"}
	calls := []struct {
		key  string
		call func(payments.ProviderRequest) (payments.ProviderResult, error)
		ref  string
	}{
		{"k-authorize", func(r payments.ProviderRequest) (payments.ProviderResult, error) {
			r.PaymentMethod = "pm_card_visa"
			return s.Authorize(ctx, r)
		}, "pi_1"},
		{"k-capture", func(r payments.ProviderRequest) (payments.ProviderResult, error) { return s.Capture(ctx, r) }, "ch_1"},
		{"k-refund", func(r payments.ProviderRequest) (payments.ProviderResult, error) { return s.Refund(ctx, r) }, "re_1"},
		{"k-void", func(r payments.ProviderRequest) (payments.ProviderResult, error) { return s.Void(ctx, r) }, "pi_1"},
	}
	for _, c := range calls {
		r := base
		r.IdempotencyKey = c.key
		if res, err := c.call(r); err != nil || res.Reference != c.ref {
			t.Fatalf("%s: %+v, %v, want reference %s", c.key, res, err, c.ref)
		}
	}
	if len(fake.requests) != len(calls) {
		t.Fatalf("%d requests, want %d", len(fake.requests), len(calls))
	}
	for i, c := range calls {
		if got := fake.requests[i].idempotencyKey; got != c.key {
			t.Errorf("request %s carried Idempotency-Key %q, want %q", fake.requests[i].path, got, c.key)
		}
	}
	create := fake.requests[0].form
	for field, want := range map[string]string{
		"amount": "1999", "currency": "eur", "capture_method": "manual", "confirm": "true",
		"metadata[order_id]": "01KE6P4YM47JTZARED010EGNK2",
	} {
		if got := create.Get(field); got != want {
			t.Errorf("authorize sent %s=%q, want %q", field, got, want)
		}
	}
	if got := fake.requests[2].form.Get("payment_intent"); got != "pi_1" {
		t.Errorf("refund sent payment_intent=%q", got)
	}
}
