package resolvers

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

type outOfStock struct{ sku string }

func (e outOfStock) Error() string         { return "sku " + e.sku + " is out of stock" }
func (e outOfStock) UserErrorCode() string { return "OUT_OF_STOCK" }

func TestPresentError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		message string
		code    string
	}{
		{"internal errors are masked", errors.New(`pq: relation "catalog.product" does not exist`), "internal server error", CodeInternal},
		{"user errors keep message and code", fmt.Errorf("add line: %w", outOfStock{"SKU-1"}), "sku SKU-1 is out of stock", "OUT_OF_STOCK"},
		{"malformed representations are the caller's fault", fmt.Errorf("%w due to missing Key Field \"sku\" for Variant", errors.New("type not found")), "invalid entity representation: type not found due to missing Key Field \"sku\" for Variant", CodeBadUserInput},
		{"as gqlgen wraps them", errors.New(`input: _entities unknown type: Warehouse`), "invalid entity representation: input: _entities unknown type: Warehouse", CodeBadUserInput},
		{"internal errors that mention a type stay masked", errors.New("unable to encode 1 into binary format for unknown type (OID 0)"), "internal server error", CodeInternal},
		{"coded gql errors pass through", BadUserInput("first must be between 1 and 100"), "first must be between 1 and 100", CodeBadUserInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := presentError(context.Background(), tt.err)
			if got.Message != tt.message {
				t.Errorf("message = %q, want %q", got.Message, tt.message)
			}
			if got.Extensions["code"] != tt.code {
				t.Errorf("code = %v, want %s", got.Extensions["code"], tt.code)
			}
		})
	}
}

func TestRecoverPanicMasks(t *testing.T) {
	err := recoverPanic(context.Background(), "index out of range [3] with length 2")
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || gqlErr.Message != "internal server error" || gqlErr.Extensions["code"] != CodeInternal {
		t.Fatalf("panic not masked: %#v", err)
	}
}

type badTitle struct{}

func (badTitle) Error() string            { return "input.title must not be blank" }
func (badTitle) UserErrorCode() string    { return CodeBadUserInput }
func (badTitle) UserErrorField() []string { return []string{"input", "title"} }

func TestPresentErrorNamesTheField(t *testing.T) {
	got := presentError(context.Background(), fmt.Errorf("update: %w", badTitle{}))
	field, _ := got.Extensions["field"].([]string)
	if got.Extensions["code"] != CodeBadUserInput || len(field) != 2 || field[0] != "input" || field[1] != "title" {
		t.Fatalf("extensions %v, want BAD_USER_INPUT with field [input title]", got.Extensions)
	}
	if _, ok := presentError(context.Background(), outOfStock{"SKU-1"}).Extensions["field"]; ok {
		t.Fatal("an error without a field must not get one")
	}
}
