package cart

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func eur(amount int64) Money { return Money{Amount: amount, Currency: "EUR"} }

func codeOf(err error) string {
	var r *Rejection
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

func TestAddLine(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	full := Cart{Currency: "EUR"}
	for i := range MaxLines {
		full.Lines = append(full.Lines, Line{SKU: fmt.Sprintf("SKU-%d", i), Quantity: 1, UnitPrice: eur(100)})
	}
	tests := []struct {
		name     string
		cart     Cart
		sku      string
		quantity int
		price    Money
		wantCode string
		want     []Line
		wantCur  string
	}{
		{"new line", Cart{Currency: "EUR"}, "A", 2, eur(500), "", []Line{{SKU: "A", Quantity: 2, UnitPrice: eur(500), AddedAt: now}}, "EUR"},
		{"existing line grows and takes the current price",
			Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 2, UnitPrice: eur(400)}}}, "A", 3, eur(500), "",
			[]Line{{SKU: "A", Quantity: 5, UnitPrice: eur(500)}}, "EUR"},
		{"up to 999 of one SKU",
			Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 998, UnitPrice: eur(1)}}}, "A", 1, eur(1), "",
			[]Line{{SKU: "A", Quantity: 999, UnitPrice: eur(1)}}, "EUR"},
		{"not 1000", Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 999, UnitPrice: eur(1)}}}, "A", 1, eur(1), CodeQuantityLimit, nil, ""},
		{"empty cart takes the line's currency", Cart{Currency: "EUR"}, "A", 1, Money{100, "USD"}, "", []Line{{SKU: "A", Quantity: 1, UnitPrice: Money{100, "USD"}, AddedAt: now}}, "USD"},
		{"no second currency", Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 1, UnitPrice: eur(1)}}}, "B", 1, Money{100, "USD"}, CodeCurrencyMismatch, nil, ""},
		{"501st line", full, "NEW", 1, eur(100), CodeLineLimit, nil, ""},
		{"a full cart still grows a line", full, "SKU-7", 1, eur(100), "", nil, "EUR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cart
			c.Lines = append([]Line(nil), tt.cart.Lines...)
			err := addLine(&c, tt.sku, tt.quantity, tt.price, now)
			if codeOf(err) != tt.wantCode || (err != nil) != (tt.wantCode != "") {
				t.Fatalf("err = %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if tt.want != nil && fmt.Sprint(c.Lines) != fmt.Sprint(tt.want) {
				t.Fatalf("lines %+v, want %+v", c.Lines, tt.want)
			}
			if c.Currency != tt.wantCur {
				t.Fatalf("currency %s, want %s", c.Currency, tt.wantCur)
			}
		})
	}
}

func TestMergeLines(t *testing.T) {
	tests := []struct {
		name     string
		into     Cart
		guest    Cart
		wantCode string
		want     string
	}{
		{"sums, caps and appends",
			Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 600, UnitPrice: eur(100)}, {SKU: "B", Quantity: 1, UnitPrice: eur(200)}}},
			Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 500, UnitPrice: eur(90)}, {SKU: "C", Quantity: 3, UnitPrice: eur(300)}}},
			"", "A×999@100 B×1@200 C×3@300"},
		{"empty customer cart takes the guest's currency",
			Cart{Currency: "EUR"},
			Cart{Currency: "USD", Lines: []Line{{SKU: "A", Quantity: 1, UnitPrice: Money{5, "USD"}}}},
			"", "A×1@5"},
		{"empty guest cart changes nothing",
			Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 1, UnitPrice: eur(1)}}},
			Cart{Currency: "USD"}, "", "A×1@1"},
		{"two currencies",
			Cart{Currency: "EUR", Lines: []Line{{SKU: "A", Quantity: 1, UnitPrice: eur(1)}}},
			Cart{Currency: "USD", Lines: []Line{{SKU: "B", Quantity: 1, UnitPrice: Money{5, "USD"}}}},
			CodeCurrencyMismatch, ""},
		{"over 500 lines", manyLines("X", 300), manyLines("Y", 201), CodeLineLimit, ""},
		{"exactly 500 lines", manyLines("X", 300), manyLines("Y", 200), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			into := tt.into
			into.Lines = append([]Line(nil), tt.into.Lines...)
			err := mergeLines(&into, tt.guest)
			if codeOf(err) != tt.wantCode || (err != nil) != (tt.wantCode != "") {
				t.Fatalf("err = %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				if fmt.Sprint(into.Lines) != fmt.Sprint(tt.into.Lines) {
					t.Fatal("a refused merge changed the customer's cart")
				}
				return
			}
			if tt.want != "" && summary(into) != tt.want {
				t.Fatalf("merged %s, want %s", summary(into), tt.want)
			}
			if len(tt.guest.Lines) > 0 && into.Currency != tt.guest.Currency {
				t.Fatalf("currency %s, want %s", into.Currency, tt.guest.Currency)
			}
		})
	}
}

func manyLines(prefix string, n int) Cart {
	c := Cart{Currency: "EUR"}
	for i := range n {
		c.Lines = append(c.Lines, Line{SKU: fmt.Sprintf("%s-%d", prefix, i), Quantity: 1, UnitPrice: eur(1)})
	}
	return c
}

func summary(c Cart) string {
	s := ""
	for i, l := range c.Lines {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s×%d@%d", l.SKU, l.Quantity, l.UnitPrice.Amount)
	}
	return s
}

func TestGuestTokens(t *testing.T) {
	token, hash, err := NewGuestToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 {
		t.Fatalf("token %q: want 43 base64url characters (32 bytes)", token)
	}
	got, ok := HashGuestToken(token)
	if !ok || string(got) != string(hash) {
		t.Fatal("a fresh token must hash to the stored hash")
	}
	other, _, _ := NewGuestToken()
	if other == token {
		t.Fatal("two tokens alike")
	}
	for _, bad := range []string{"", "short", token + "A", token[:42] + "!"} {
		if _, ok := HashGuestToken(bad); ok {
			t.Errorf("%q accepted as a token", bad)
		}
	}
}

func TestRequestHashTellsChangesApart(t *testing.T) {
	a := requestHash("addToCart", "A", "1", "")
	for _, other := range [][]byte{
		requestHash("addToCart", "A", "2", ""),
		requestHash("updateCartLine", "A", "1"),
		requestHash("addToCart", "A1", "", ""),
	} {
		if string(other) == string(a) {
			t.Fatal("different changes share a request hash")
		}
	}
	if string(requestHash("addToCart", "A", "1", "")) != string(a) {
		t.Fatal("the same change must hash the same")
	}
}
