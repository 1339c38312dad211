package inventory

import (
	"context"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Stable codes of refused callers.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
)

// AccessError refuses a command for who is asking: a guest (UNAUTHENTICATED) or a customer
// asking for what only staff may do (FORBIDDEN). Its message is safe to show.
type AccessError struct {
	Code    string
	Message string
}

func (e *AccessError) Error() string { return e.Message }

// UserErrorCode is the stable extensions.code the GraphQL layer reports.
func (e *AccessError) UserErrorCode() string { return e.Code }

// RequireStaff refuses anyone but signed-in staff before an operator's command (restock, the
// flash-sale switch) touches stock, or an operator's read (an order's holds) shows it: a guest
// is UNAUTHENTICATED, a customer FORBIDDEN. The role
// comes from the gateway's signed headers (trust), never from the client.
func RequireStaff(ctx context.Context) error {
	c := trust.CallerFrom(ctx)
	switch {
	case c.Guest():
		return &AccessError{Code: CodeUnauthenticated, Message: "sign in as staff to manage stock"}
	case !c.Staff():
		return &AccessError{Code: CodeForbidden, Message: "only staff may manage stock"}
	}
	return nil
}
