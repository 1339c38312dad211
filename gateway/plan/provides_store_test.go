package plan

import (
	"os"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// The store's checkout answer carries its payment's status (orders @provides it), so a
// storefront asking for it costs one fetch, to orders; a payment field orders does not
// provide still comes from payments, after it.
func TestCheckoutAnswerProvidesThePaymentStatus(t *testing.T) {
	b, err := os.ReadFile("../../schema/supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		payment string
		want    string
	}{
		{"payment { status }", "orders"},
		{"payment { status capturedAmount { amount } }", "orders payments"},
	}
	for _, tt := range tests {
		t.Run(tt.payment, func(t *testing.T) {
			p, err := buildPlan(t, sg, `mutation($in: CheckoutInput!) { checkout(input: $in) { order { id status `+tt.payment+` } userErrors { code } } }`,
				map[string]any{"in": map[string]any{"cartId": "c1", "paymentMethod": map[string]any{"token": "pm_card_visa"},
					"shippingAddress": map[string]any{"name": "Ada", "line1": "Dam 1", "city": "Amsterdam", "postalCode": "1012",
						"country": "NL", "latitude": 52.37, "longitude": 4.89}}})
			if err != nil {
				t.Fatal(err)
			}
			var subs []string
			for _, f := range p.Fetches {
				subs = append(subs, f.Subgraph)
			}
			if got := strings.Join(subs, " "); got != tt.want {
				t.Errorf("fetches to %q, want %q\n%s", got, tt.want, p)
			}
		})
	}
}
