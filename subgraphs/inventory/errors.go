package inventory

// InputError is a request that is malformed whatever the data: the API refuses it with
// BAD_USER_INPUT. Its message is safe to show to callers.
type InputError struct {
	Field   string // the input field at fault, such as "quantity"
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable extensions.code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return "BAD_USER_INPUT" }

// Rejection is an expected business outcome that refuses a command, such as a restock for a
// center that does not exist. Mutations report it in userErrors rather than as a failure.
type Rejection struct {
	Code    string // stable, such as UNKNOWN_FULFILLMENT_CENTER
	Field   string // the input field at fault, if one is
	Message string
}

func (e *Rejection) Error() string { return e.Message }

// Rejection codes.
const (
	CodeUnknownFulfillmentCenter = "UNKNOWN_FULFILLMENT_CENTER"
	CodeStockLimitExceeded       = "STOCK_LIMIT_EXCEEDED"
)
