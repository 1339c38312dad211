package orders

import "fmt"

// nextStatuses is where an order may go from each status. Checkout moves it to PAID or
// CANCELLED; fulfillment moves it on from there (FULFILLING, SHIPPED, DELIVERED), and a return
// ends it RETURNED. An order never goes back.
var nextStatuses = map[Status][]Status{
	StatusPlaced:     {StatusPaid, StatusCancelled},
	StatusPaid:       {StatusFulfilling, StatusCancelled},
	StatusFulfilling: {StatusShipped, StatusCancelled},
	StatusShipped:    {StatusDelivered, StatusReturned},
	StatusDelivered:  {StatusReturned},
}

// CanMove reports whether an order may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range nextStatuses[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TransitionError refuses a status change the order's current status does not allow.
type TransitionError struct {
	OrderID  string
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("order %s cannot go from %s to %s", e.OrderID, e.From, e.To)
}

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *TransitionError) UserErrorCode() string { return "ORDER_STATUS_CONFLICT" }
