package payments

import (
	"testing"
)

func TestPrepareFollowsTheStateMachine(t *testing.T) {
	eur := func(n int64) Money { return Money{Amount: n, Currency: "EUR"} }
	intent := func(s Status, pending Operation) Intent {
		i := Intent{Status: s, Amount: eur(1000), Authorized: 1000, Pending: pending}
		switch s {
		case StatusCaptured:
			i.Captured = 1000
		case StatusPartiallyRefunded:
			i.Captured, i.Refunded = 1000, 400
		case StatusRefunded:
			i.Captured, i.Refunded = 1000, 1000
		case StatusRequiresAuthorization, StatusFailed:
			i.Authorized = 0
		}
		return i
	}
	tests := []struct {
		status  Status
		pending Operation
		op      Operation
		amount  Money
		code    string // "" when allowed
		settled int64  // the amount Prepare settles on, when allowed
	}{
		{StatusRequiresAuthorization, OpAuthorize, OpAuthorize, eur(1000), "", 1000},
		{StatusRequiresAuthorization, OpAuthorize, OpVoid, Money{}, CodeStateConflict, 0},
		{StatusRequiresAuthorization, OpAuthorize, OpCapture, Money{}, CodeStateConflict, 0},
		{StatusAuthorized, "", OpCapture, Money{}, "", 1000},
		{StatusAuthorized, "", OpVoid, Money{}, "", 1000},
		{StatusAuthorized, "", OpRefund, eur(100), CodeStateConflict, 0},
		{StatusAuthorized, "", OpAuthorize, eur(1000), CodeStateConflict, 0},
		{StatusAuthorized, OpCapture, OpVoid, Money{}, CodeStateConflict, 0}, // capture outcome unknown
		{StatusVoided, "", OpCapture, Money{}, CodeStateConflict, 0},
		{StatusVoided, "", OpRefund, eur(100), CodeStateConflict, 0},
		{StatusCaptured, "", OpVoid, Money{}, CodeStateConflict, 0},
		{StatusCaptured, "", OpCapture, Money{}, CodeStateConflict, 0},
		{StatusCaptured, "", OpRefund, eur(1000), "", 1000},
		{StatusCaptured, "", OpRefund, eur(1001), CodeRefundExceeds, 0},
		{StatusCaptured, "", OpRefund, Money{Amount: 100, Currency: "USD"}, CodeStateConflict, 0},
		{StatusPartiallyRefunded, "", OpRefund, eur(600), "", 600},
		{StatusPartiallyRefunded, "", OpRefund, eur(601), CodeRefundExceeds, 0},
		{StatusRefunded, "", OpRefund, eur(1), CodeStateConflict, 0},
		{StatusFailed, "", OpCapture, Money{}, CodeStateConflict, 0},
		{StatusFailed, "", OpVoid, Money{}, CodeStateConflict, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+"/"+string(tt.pending)+"/"+string(tt.op), func(t *testing.T) {
			c, err := Prepare(intent(tt.status, tt.pending), Command{Operation: tt.op, Amount: tt.amount})
			if got := CodeOf(err); got != tt.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.code)
			}
			if tt.code == "" && (c.Amount.Amount != tt.settled || c.Amount.Currency != "EUR") {
				t.Errorf("settled amount = %v, want %d EUR", c.Amount, tt.settled)
			}
		})
	}
}

func TestApplyRefundsPartiallyThenFully(t *testing.T) {
	i := Intent{Status: StatusCaptured, Amount: Money{1000, "EUR"}, Authorized: 1000, Captured: 1000, Pending: OpRefund}
	i = Apply(i, Command{Operation: OpRefund, Amount: Money{300, "EUR"}}, "re_1")
	if i.Status != StatusPartiallyRefunded || i.Refunded != 300 || i.Pending != "" || i.Refundable() != 700 {
		t.Fatalf("after refunding 300: %+v", i)
	}
	i = Apply(i, Command{Operation: OpRefund, Amount: Money{700, "EUR"}}, "re_2")
	if i.Status != StatusRefunded || i.Refundable() != 0 {
		t.Fatalf("after refunding the rest: %+v", i)
	}
}

func TestApplyDeclineFailsOnlyAnAuthorization(t *testing.T) {
	i := ApplyDecline(Intent{Status: StatusRequiresAuthorization, Pending: OpAuthorize}, Command{Operation: OpAuthorize})
	if i.Status != StatusFailed || i.Pending != "" {
		t.Errorf("declined authorization: %+v, want FAILED and nothing pending", i)
	}
	i = ApplyDecline(Intent{Status: StatusCaptured, Pending: OpRefund}, Command{Operation: OpRefund})
	if i.Status != StatusCaptured || i.Pending != "" {
		t.Errorf("declined refund: %+v, want CAPTURED and nothing pending", i)
	}
}

func TestAuthorizeRequestValidation(t *testing.T) {
	valid := AuthorizeRequest{OrderID: "01KE6P4YM47JTZARED010EGNK2", CustomerID: "cus_1", Amount: Money{1999, "EUR"}, PaymentMethod: "4242424242424242"}
	tests := []struct {
		name  string
		edit  func(*AuthorizeRequest)
		field string // "" when valid
	}{
		{"valid", func(*AuthorizeRequest) {}, ""},
		{"guest", func(r *AuthorizeRequest) { r.CustomerID = "" }, ""},
		{"sequence number as order id", func(r *AuthorizeRequest) { r.OrderID = "42" }, "orderId"},
		{"lower-case ulid", func(r *AuthorizeRequest) { r.OrderID = "01ke6p4ym47jtzared010egnk2" }, "orderId"},
		{"zero amount", func(r *AuthorizeRequest) { r.Amount.Amount = 0 }, "amount"},
		{"negative amount", func(r *AuthorizeRequest) { r.Amount.Amount = -5 }, "amount"},
		{"huge amount", func(r *AuthorizeRequest) { r.Amount.Amount = MaxAmount + 1 }, "amount"},
		{"lower-case currency", func(r *AuthorizeRequest) { r.Amount.Currency = "eur" }, "amount"},
		{"no payment method", func(r *AuthorizeRequest) { r.PaymentMethod = "" }, "paymentMethod"},
		{"long customer id", func(r *AuthorizeRequest) { r.CustomerID = string(make([]byte, 65)) }, "customerId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid
			tt.edit(&r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("valid request refused: %v", err)
				}
				return
			}
			ie, ok := err.(*InputError)
			if !ok || ie.Field != tt.field || ie.UserErrorCode() != CodeBadUserInput {
				t.Fatalf("err = %#v, want an InputError on %s", err, tt.field)
			}
		})
	}
}

func TestIdempotencyKeyDependsOnOrderAndOperationOnly(t *testing.T) {
	a := Command{Operation: OpAuthorize, OrderID: "01KE6P4YM47JTZARED010EGNK2", Amount: Money{100, "EUR"}}
	b := a
	b.Amount.Amount = 999
	if a.IdempotencyKey() != b.IdempotencyKey() {
		t.Error("key changed with the amount: a retry must reuse the key")
	}
	c := a
	c.Operation = OpCapture
	if a.IdempotencyKey() == c.IdempotencyKey() {
		t.Error("authorize and capture share a key: the provider would replay the authorization")
	}
}
