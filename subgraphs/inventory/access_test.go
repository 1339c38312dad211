package inventory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

func TestRequireStaff(t *testing.T) {
	tests := []struct {
		name   string
		caller trust.Caller
		want   string // the AccessError code, or "" when allowed
	}{
		{"guest", trust.Caller{}, inventory.CodeUnauthenticated},
		{"role without an account", trust.Caller{Role: trust.RoleStaff}, inventory.CodeUnauthenticated},
		{"customer", trust.Caller{CustomerID: "01JCUSTOMER0000000000000001", Role: trust.RoleCustomer}, inventory.CodeForbidden},
		{"account without a role", trust.Caller{CustomerID: "01JCUSTOMER0000000000000001"}, inventory.CodeForbidden},
		{"staff", trust.Caller{CustomerID: "01JSTAFF000000000000000001", Role: trust.RoleStaff}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := inventory.RequireStaff(trust.WithCaller(context.Background(), tt.caller))
			var ae *inventory.AccessError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("RequireStaff = %v, want allowed", err)
			case tt.want != "" && (!errors.As(err, &ae) || ae.UserErrorCode() != tt.want || ae.Message == ""):
				t.Fatalf("RequireStaff = %v, want %s", err, tt.want)
			}
		})
	}
}
