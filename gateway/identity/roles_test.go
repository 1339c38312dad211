package identity

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// roleBook is the accounts' current roles, counting lookups.
type roleBook struct {
	roles   map[string]string
	err     error
	lookups int
}

func (b *roleBook) Role(_ context.Context, id string) (string, error) {
	b.lookups++
	return b.roles[id], b.err
}

// A staff token acts as staff only while the account is still staff, read at most once per
// TTL; a customer's token needs no lookup; an unreadable role serves the caller as a customer.
func TestStaffRoleIsConfirmed(t *testing.T) {
	const staff, customer = "01JSTAFF00000000000000000001", "01JCUSTOMER0000000000000001"
	tokens := trust.NewTokens(tokenSecret)
	staffToken, _, err := tokens.IssueCaller(trust.Caller{CustomerID: staff, Role: trust.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	customerToken, _, _ := tokens.Issue(customer)
	book := &roleBook{roles: map[string]string{staff: trust.RoleStaff, customer: trust.RoleCustomer}}
	clock := time.Unix(1_700_000_000, 0)
	a := New(tokens, trust.NewSigner(gatewaySecret)).WithRoles(book, 5*time.Second)
	a.now = func() time.Time { return clock }
	roleOf := func(token string) string {
		t.Helper()
		r, _ := http.NewRequest(http.MethodPost, "/graphql", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		h, err := a.SubgraphHeaders(r)
		if err != nil {
			t.Fatal(err)
		}
		return h.Get(trust.HeaderRole)
	}

	if got := roleOf(staffToken); got != trust.RoleStaff || book.lookups != 1 {
		t.Fatalf("staff token: role %q after %d lookups, want staff after 1", got, book.lookups)
	}
	if got := roleOf(customerToken); got != trust.RoleCustomer || book.lookups != 1 {
		t.Fatalf("customer token: role %q after %d lookups, want customer and no lookup", got, book.lookups)
	}
	book.roles[staff] = trust.RoleCustomer // demoted
	clock = clock.Add(4 * time.Second)
	if got := roleOf(staffToken); got != trust.RoleStaff || book.lookups != 1 {
		t.Fatalf("within the TTL: role %q after %d lookups, want the remembered staff", got, book.lookups)
	}
	clock = clock.Add(2 * time.Second)
	if got := roleOf(staffToken); got != trust.RoleCustomer || book.lookups != 2 {
		t.Fatalf("after the TTL: role %q after %d lookups, want customer after 2", got, book.lookups)
	}
	book.roles[staff], book.err = trust.RoleStaff, errors.New("identity store down")
	clock = clock.Add(10 * time.Second)
	if got := roleOf(staffToken); got != trust.RoleCustomer {
		t.Fatalf("roles unreadable: role %q, want customer", got)
	}
	book.err = nil
	if got := roleOf(staffToken); got != trust.RoleStaff {
		t.Fatalf("promoted again and readable: role %q, want staff", got)
	}
}
