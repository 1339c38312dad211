package clients

import (
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// A completed checkout answers its payment CAPTURED without asking payments: the name must
// be the one payments gives a captured payment.
func TestCapturedIsPaymentsName(t *testing.T) {
	if orders.PaymentStatusCaptured != string(payments.StatusCaptured) {
		t.Errorf("orders says %q, payments %q", orders.PaymentStatusCaptured, payments.StatusCaptured)
	}
}
