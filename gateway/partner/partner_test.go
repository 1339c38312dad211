package partner_test

import (
	"net/http"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/partner"
)

func TestScopes(t *testing.T) {
	s := partner.DefaultScopes
	for _, tc := range []struct {
		granted []string
		field   string
		want    bool
	}{
		{[]string{"products"}, "products", true},
		{[]string{"products"}, "variant", true},
		{[]string{"products"}, "search", false},
		{[]string{"products", "search"}, "suggest", true},
		{[]string{"search"}, "__typename", true},
		{nil, "product", false},
		{[]string{"products", "search", "inventory", "cart"}, "me", false},
		{[]string{"cart"}, "checkout", false},
		{[]string{"unknown"}, "product", false},
	} {
		if got := s.Allows(tc.granted, tc.field); got != tc.want {
			t.Errorf("Allows(%v, %q) = %v, want %v", tc.granted, tc.field, got, tc.want)
		}
	}
}

func TestSecretFromRequest(t *testing.T) {
	for _, tc := range []struct {
		header, value, want string
	}{
		{"Authorization", "Bearer sg_abc", "sg_abc"},
		{"Authorization", "bearer  sg_abc ", "sg_abc"},
		{"Authorization", "Basic dXNlcg==", ""},
		{"X-API-Key", "sg_xyz", "sg_xyz"},
		{"X-Other", "sg_xyz", ""},
	} {
		r, _ := http.NewRequest(http.MethodPost, "/partner/graphql", nil)
		r.Header.Set(tc.header, tc.value)
		if got := partner.SecretFromRequest(r); got != tc.want {
			t.Errorf("%s: %q → %q, want %q", tc.header, tc.value, got, tc.want)
		}
	}
}

func TestSecretsAreFreshAndHashed(t *testing.T) {
	a, err := partner.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := partner.NewSecret()
	if a == b {
		t.Error("two secrets are equal")
	}
	if len(partner.Hash(a)) != 32 || string(partner.Hash(a)) == string(partner.Hash(b)) {
		t.Error("hashes are not distinct SHA-256 sums")
	}
}
