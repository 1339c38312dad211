package payments

import (
	"errors"
	"fmt"
)

// Stable codes that callers branch on; the GraphQL layer reports them in extensions.code.
const (
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeNotFound            = "NOT_FOUND"
	CodeDeclined            = "PAYMENT_DECLINED"
	CodeStateConflict       = "PAYMENT_STATE_CONFLICT"
	CodeRefundExceeds       = "REFUND_EXCEEDS_CAPTURED"
	CodeIdempotencyConflict = "IDEMPOTENCY_CONFLICT"
	CodeInProgress          = "PAYMENT_IN_PROGRESS"
	CodeProviderUnavailable = "PAYMENT_PROVIDER_UNAVAILABLE"
)

// InputError is a request that is malformed whatever the data. Its message is safe to show.
type InputError struct {
	Field   string // the input field at fault, such as "amount"
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return CodeBadUserInput }

// Error is an expected outcome that refuses an operation: a declined card, a capture of a
// voided payment, a refund above what was captured. Its message is safe to show.
type Error struct {
	Code    string // one of the Code constants
	Message string
	// DeclineReason says why the provider declined (card_declined, insufficient_funds, ...);
	// only with CodeDeclined.
	DeclineReason string
	// Retryable is true when the same call may succeed later (provider outage, an operation in
	// flight); retrying is always safe, it never charges twice.
	Retryable bool
	cause     error
}

func (e *Error) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *Error) UserErrorCode() string { return e.Code }

func (e *Error) Unwrap() error { return e.cause }

// CodeOf returns the code of the payments error in err's chain, or "" when there is none.
func CodeOf(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.UserErrorCode()
	}
	return ""
}

// Decline is what a provider returns when it refuses a payment for good: retrying the same
// request gets the same answer.
func Decline(reason, message string) *Error {
	return &Error{Code: CodeDeclined, DeclineReason: reason, Message: message}
}

// ProviderUnavailable wraps a provider failure whose outcome is unknown: the provider may or
// may not have acted. A retry sends the same idempotency key and so cannot act twice.
func ProviderUnavailable(op Operation, cause error) *Error {
	return &Error{
		Code:      CodeProviderUnavailable,
		Message:   fmt.Sprintf("the payment provider did not confirm the %s; retry the operation", opNoun(op)),
		Retryable: true,
		cause:     cause,
	}
}

// NotFound reports an order without a payment.
func NotFound(orderID string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("order %s has no payment", orderID)}
}

func stateConflict(i Intent, op Operation) *Error {
	return &Error{Code: CodeStateConflict, Message: fmt.Sprintf("cannot %s a payment that is %s", opVerb(op), i.Status)}
}

func opVerb(op Operation) string {
	switch op {
	case OpAuthorize:
		return "authorize"
	case OpCapture:
		return "capture"
	case OpVoid:
		return "void"
	default:
		return "refund"
	}
}

func opNoun(op Operation) string {
	switch op {
	case OpAuthorize:
		return "authorization"
	case OpCapture:
		return "capture"
	case OpVoid:
		return "void"
	default:
		return "refund"
	}
}
