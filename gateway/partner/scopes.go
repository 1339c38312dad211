package partner

import "slices"

// Scopes maps a scope name to the root fields (of Query or Mutation) it grants.
type Scopes map[string][]string

// DefaultScopes are the scopes of the store's graph. Root fields no scope names (the customer's
// own data, operations tools) are not open to partners.
var DefaultScopes = Scopes{
	"products":  {"product", "products", "variant", "categories", "category"},
	"search":    {"search", "suggest"},
	"inventory": {"fulfillmentCenters"},
	"cart":      {"cart", "createGuestCart", "addToCart", "updateCartLine", "removeCartLine"},
}

// Allows reports whether a key with the given scopes may use the root field. __typename is
// always allowed.
func (s Scopes) Allows(granted []string, field string) bool {
	if field == "__typename" {
		return true
	}
	for _, g := range granted {
		if slices.Contains(s[g], field) {
			return true
		}
	}
	return false
}

// Known reports whether the scope exists.
func (s Scopes) Known(scope string) bool {
	_, ok := s[scope]
	return ok
}
