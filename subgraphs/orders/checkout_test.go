package orders

import (
	"bytes"
	"errors"
	"testing"
)

func validRequest() CheckoutRequest {
	return CheckoutRequest{
		CartID: "01JCART0000000000000000000", IdempotencyKey: "k",
		ShippingAddress: Address{Name: "Ada", Line1: "Unter den Linden 1", City: "Berlin", PostalCode: "10117", Country: "DE", Latitude: 52.5, Longitude: 13.4},
		PaymentMethod:   "pm_card_visa", DeliveryOption: DeliveryStandard,
	}
}

func TestCheckoutRequestValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*CheckoutRequest)
		field string // last element of the field path at fault; "" when valid
	}{
		{"valid", func(*CheckoutRequest) {}, ""},
		{"cart id not a ULID", func(r *CheckoutRequest) { r.CartID = "42" }, "cartId"},
		{"no idempotency key", func(r *CheckoutRequest) { r.IdempotencyKey = "" }, "idempotencyKey"},
		{"key with a newline", func(r *CheckoutRequest) { r.IdempotencyKey = "a\nb" }, "idempotencyKey"},
		{"blank city", func(r *CheckoutRequest) { r.ShippingAddress.City = "  " }, "city"},
		{"country name", func(r *CheckoutRequest) { r.ShippingAddress.Country = "Germany" }, "country"},
		{"lower-case country", func(r *CheckoutRequest) { r.ShippingAddress.Country = "de" }, "country"},
		{"latitude off the globe", func(r *CheckoutRequest) { r.ShippingAddress.Latitude = 91 }, "latitude"},
		{"longitude off the globe", func(r *CheckoutRequest) { r.ShippingAddress.Longitude = -181 }, "longitude"},
		{"no payment method", func(r *CheckoutRequest) { r.PaymentMethod = "" }, "paymentMethod"},
		{"unknown delivery", func(r *CheckoutRequest) { r.DeliveryOption = "DRONE" }, "deliveryOption"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validRequest()
			tc.edit(&r)
			err := r.Validate()
			var in *InputError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.field != "" && (!errors.As(err, &in) || in.Field[len(in.Field)-1] != tc.field):
				t.Fatalf("Validate() = %#v, want an InputError on %s", err, tc.field)
			}
		})
	}
}

// The hash covers what the checkout does, not the key: a retry matches, another address or
// payment method does not.
func TestCheckoutRequestHash(t *testing.T) {
	a, b := validRequest(), validRequest()
	b.IdempotencyKey = "other"
	if !bytes.Equal(a.Hash(), b.Hash()) {
		t.Error("the key changed the hash")
	}
	for _, edit := range []func(*CheckoutRequest){
		func(r *CheckoutRequest) { r.ShippingAddress.Line1 = "Elsewhere 2" },
		func(r *CheckoutRequest) { r.PaymentMethod = "pm_card_other" },
		func(r *CheckoutRequest) { r.DeliveryOption = DeliveryExpress },
		func(r *CheckoutRequest) { r.CartID = "01JCART0000000000000000001" },
	} {
		c := validRequest()
		edit(&c)
		if bytes.Equal(a.Hash(), c.Hash()) {
			t.Errorf("%+v hashes like %+v", c, a)
		}
	}
}

func TestPlanCheckout(t *testing.T) {
	eur := func(a int64) Money { return Money{Amount: a, Currency: "EUR"} }
	cart := Cart{Currency: "EUR", Lines: []CartLine{{SKU: "A", Quantity: 2, UnitPrice: eur(1000)}, {SKU: "B", Quantity: 1, UnitPrice: eur(4500)}}}
	cases := []struct {
		name         string
		cart         Cart
		prices       map[string]Money
		delivery     DeliveryOption
		wantCode     string
		wantTotal    int64
		wantShipping int64
		wantChanged  []string
	}{
		{"free standard shipping from 50.00", cart, map[string]Money{"A": eur(1000), "B": eur(4500)}, DeliveryStandard, "", 6500, 0, nil},
		{"express always costs", cart, map[string]Money{"A": eur(1000), "B": eur(4500)}, DeliveryExpress, "", 7999, 1499, nil},
		{"standard below 50.00", Cart{Currency: "EUR", Lines: cart.Lines[:1]}, map[string]Money{"A": eur(1000)}, DeliveryStandard, "", 2499, 499, nil},
		{"a price went up", cart, map[string]Money{"A": eur(1100), "B": eur(4500)}, DeliveryStandard, CodePriceChanged, 0, 0, []string{"A"}},
		{"a price went down", cart, map[string]Money{"A": eur(1000), "B": eur(4000)}, DeliveryStandard, CodePriceChanged, 0, 0, []string{"B"}},
		{"a SKU is no longer sold", cart, map[string]Money{"A": eur(1000)}, DeliveryStandard, CodeItemUnavailable, 0, 0, []string{"B"}},
		{"an empty cart", Cart{Currency: "EUR"}, nil, DeliveryStandard, CodeCartEmpty, 0, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := PlanCheckout(tc.cart, tc.prices, tc.delivery, Address{})
			var f *Failure
			if tc.wantCode != "" {
				if !errors.As(err, &f) || f.Code != tc.wantCode {
					t.Fatalf("PlanCheckout() = %+v, %v; want %s", p, err, tc.wantCode)
				}
				var changed []string
				for _, c := range f.PriceChanges {
					changed = append(changed, c.SKU)
				}
				if len(changed) != len(tc.wantChanged) || (len(changed) > 0 && changed[0] != tc.wantChanged[0]) {
					t.Errorf("price changes = %+v, want %v", f.PriceChanges, tc.wantChanged)
				}
				return
			}
			if err != nil || p.Total != tc.wantTotal || p.Shipping != tc.wantShipping || p.Total != p.Subtotal+p.Shipping {
				t.Fatalf("PlanCheckout() = %+v, %v; want total %d with shipping %d", p, err, tc.wantTotal, tc.wantShipping)
			}
		})
	}
}

func TestNewPage(t *testing.T) {
	n := func(i int) *int { return &i }
	s := func(v string) *string { return &v }
	id := NewID()
	cases := []struct {
		name      string
		first     *int
		after     *string
		wantFirst int
		wantAfter string
		wantErr   bool
	}{
		{"defaults", nil, nil, DefaultPageSize, "", false},
		{"a cursor", n(5), s(Cursor(id)), 5, id, false},
		{"first 0", n(0), nil, 0, "", true},
		{"first over 100", n(101), nil, 0, "", true},
		{"not a cursor", nil, s("garbage"), 0, "", true},
		{"a cursor of another list", nil, s("cHJvZHVjdDox"), 0, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPage(tc.first, tc.after)
			if (err != nil) != tc.wantErr || (!tc.wantErr && (p.First != tc.wantFirst || p.After != tc.wantAfter)) {
				t.Fatalf("NewPage() = %+v, %v", p, err)
			}
		})
	}
}
