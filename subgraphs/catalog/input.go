package catalog

import (
	"fmt"
	"strings"

	"github.com/oklog/ulid/v2"
)

// InputError is a request that is malformed whatever the data: the API refuses it with
// BAD_USER_INPUT. Its message is safe to show to callers.
type InputError struct {
	Field   string // the argument at fault, such as "first"
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable extensions.code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return "BAD_USER_INPUT" }

func inputErrorf(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ParseID checks that s is a ULID, the form of every catalog id, and returns it in its
// canonical upper-case spelling. field names the argument in the error.
func ParseID(field, s string) (string, error) {
	id, err := ulid.ParseStrict(s)
	if err != nil {
		return "", inputErrorf(field, "%s: %q is not a valid id", field, truncate(s, 40))
	}
	return id.String(), nil
}

// Page sizes: lists are capped so one request cannot ask for the whole catalog.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageSize validates a `first` argument; nil means the default.
func PageSize(first *int, fallback int) (int, error) {
	if first == nil {
		return fallback, nil
	}
	if *first < 0 || *first > MaxPageSize {
		return 0, inputErrorf("first", "first must be between 0 and %d, got %d", MaxPageSize, *first)
	}
	return *first, nil
}

// truncate keeps error messages short when a caller sends a huge argument.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
