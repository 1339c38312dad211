package cart

import (
	"fmt"
	"time"
)

// The edits below run on a cart the store has locked at the version the caller quoted; an
// error leaves the stored cart untouched.

// addLine adds quantity units of sku at price. An existing line grows and takes the current
// price, which is the one the shopper just saw; a new line is appended.
func addLine(c *Cart, sku string, quantity int, price Money, now time.Time) error {
	i, exists := c.line(sku)
	if err := checkCurrency(c, sku, price.Currency); err != nil {
		return err
	}
	if exists {
		if total := c.Lines[i].Quantity + quantity; total > MaxQuantity {
			return &Rejection{
				Code:    CodeQuantityLimit,
				Field:   "quantity",
				Message: fmt.Sprintf("the cart already holds %d of %s; a line holds at most %d", c.Lines[i].Quantity, sku, MaxQuantity),
			}
		}
		c.Lines[i].Quantity += quantity
		c.Lines[i].UnitPrice = price
	} else {
		if len(c.Lines) >= MaxLines {
			return lineLimit()
		}
		c.Lines = append(c.Lines, Line{SKU: sku, Quantity: quantity, UnitPrice: price, AddedAt: now})
	}
	c.Currency = price.Currency
	return nil
}

// checkCurrency keeps a cart in one currency: a line may bring another currency only when no
// other line is there to disagree with it.
func checkCurrency(c *Cart, sku, currency string) error {
	for _, l := range c.Lines {
		if l.SKU != sku && l.UnitPrice.Currency != currency {
			return &Rejection{
				Code:    CodeCurrencyMismatch,
				Field:   "sku",
				Message: fmt.Sprintf("%s is priced in %s but the cart is in %s", sku, currency, l.UnitPrice.Currency),
			}
		}
	}
	return nil
}

// setQuantity replaces the quantity of an existing line; its price snapshot stays.
func setQuantity(c *Cart, sku string, quantity int) error {
	i, ok := c.line(sku)
	if !ok {
		return lineNotFound(sku)
	}
	c.Lines[i].Quantity = quantity
	return nil
}

func removeLine(c *Cart, sku string) error {
	i, ok := c.line(sku)
	if !ok {
		return lineNotFound(sku)
	}
	c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
	return nil
}

// mergeLines moves a guest's lines into a customer's cart: quantities of a SKU in both are
// summed (capped at MaxQuantity) and keep the customer's price snapshot; other lines come
// with their own. The merge is all or nothing: a result over MaxLines or in two currencies
// refuses it, and the guest cart stays for the shopper to sort out.
func mergeLines(into *Cart, guest Cart) error {
	if len(guest.Lines) == 0 {
		return nil
	}
	if len(into.Lines) > 0 && into.Currency != guest.Currency {
		return &Rejection{
			Code:    CodeCurrencyMismatch,
			Field:   "guestToken",
			Message: fmt.Sprintf("the guest cart is in %s but the customer's cart is in %s", guest.Currency, into.Currency),
		}
	}
	merged := append([]Line(nil), into.Lines...)
	index := make(map[string]int, len(merged))
	for i, l := range merged {
		index[l.SKU] = i
	}
	for _, g := range guest.Lines {
		if i, ok := index[g.SKU]; ok {
			merged[i].Quantity = min(merged[i].Quantity+g.Quantity, MaxQuantity)
			continue
		}
		index[g.SKU] = len(merged)
		merged = append(merged, g)
	}
	if len(merged) > MaxLines {
		return lineLimit()
	}
	into.Lines = merged
	into.Currency = guest.Currency
	return nil
}

func lineLimit() *Rejection {
	return &Rejection{Code: CodeLineLimit, Field: "sku", Message: fmt.Sprintf("a cart holds at most %d lines", MaxLines)}
}

func lineNotFound(sku string) *Rejection {
	return &Rejection{Code: CodeLineNotFound, Field: "sku", Message: fmt.Sprintf("the cart has no line for %s", sku)}
}
