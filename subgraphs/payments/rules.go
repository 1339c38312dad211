package payments

import "fmt"

// Prepare checks that the command may run on the intent as it stands and returns it with its
// amount settled: capture takes and void releases the whole authorization (partial captures
// are not offered), refunds keep the amount asked. It runs once per (order, operation), before
// the provider is called; a retry of a command already recorded never reaches it.
func Prepare(i Intent, c Command) (Command, error) {
	if i.Pending != "" && i.Pending != c.Operation {
		// The provider may have acted on the pending operation: voiding an authorization that
		// was in fact captured, say, would leave the books wrong.
		return c, &Error{Code: CodeStateConflict, Retryable: true, Message: fmt.Sprintf("the %s of this payment is unconfirmed; retry it before a %s", opNoun(i.Pending), opNoun(c.Operation))}
	}
	switch c.Operation {
	case OpAuthorize:
		if i.Status != StatusRequiresAuthorization {
			return c, stateConflict(i, c.Operation)
		}
	case OpCapture, OpVoid:
		if i.Status != StatusAuthorized {
			return c, stateConflict(i, c.Operation)
		}
		c.Amount = Money{Amount: i.Authorized, Currency: i.Amount.Currency}
	case OpRefund:
		if i.Status != StatusCaptured && i.Status != StatusPartiallyRefunded {
			return c, stateConflict(i, c.Operation)
		}
		if c.Amount.Currency != i.Amount.Currency {
			return c, &Error{Code: CodeStateConflict, Message: fmt.Sprintf("refund in %s for a payment in %s", c.Amount.Currency, i.Amount.Currency)}
		}
		if c.Amount.Amount > i.Refundable() {
			return c, &Error{Code: CodeRefundExceeds, Message: fmt.Sprintf("refund of %s exceeds the %d %s still refundable", c.Amount, i.Refundable(), i.Amount.Currency)}
		}
	default:
		return c, fmt.Errorf("unknown payment operation %q", c.Operation)
	}
	return c, nil
}

// Apply returns the intent after the provider confirmed the command; reference is the
// provider's id of the operation.
func Apply(i Intent, c Command, reference string) Intent {
	i.Pending = ""
	switch c.Operation {
	case OpAuthorize:
		i.Status = StatusAuthorized
		i.Authorized = c.Amount.Amount
		i.ProviderReference = reference
	case OpCapture:
		i.Status = StatusCaptured
		i.Captured = c.Amount.Amount
	case OpVoid:
		i.Status = StatusVoided
	case OpRefund:
		i.Refunded += c.Amount.Amount
		i.Status = StatusPartiallyRefunded
		if i.Refunded == i.Captured {
			i.Status = StatusRefunded
		}
	}
	return i
}

// ApplyDecline returns the intent after the provider declined the command for good. Only a
// declined authorization changes it: the payment failed and the order cannot be paid with it.
func ApplyDecline(i Intent, c Command) Intent {
	i.Pending = ""
	if c.Operation == OpAuthorize {
		i.Status = StatusFailed
	}
	return i
}
