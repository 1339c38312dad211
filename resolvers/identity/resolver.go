// Package identityresolvers maps the identity subgraph's GraphQL schema onto the identity
// domain. Resolvers stay thin: rules live in subgraphs/identity.
package identityresolvers

import (
	"net/http"

	identityql "github.com/shopgraph/shopgraph/graph/identity"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/identity"
	"github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Resolver is the root of the identity resolvers.
type Resolver struct {
	service *identity.Service
}

// NewHandler serves the identity subgraph. tokens signs the bearer tokens login issues;
// gatewaySecret checks the customer headers the gateway signs (trust.Middleware), so `me` and
// Customer entities answer only for the signed-in customer.
func NewHandler(store *postgres.Store, tokens *trust.Tokens, gatewaySecret []byte) http.Handler {
	r := &Resolver{service: identity.NewService(store, tokens)}
	schema := identityql.NewExecutableSchema(identityql.Config{Resolvers: r})
	return trust.Middleware(gatewaySecret)(resolvers.Handler(schema, nil))
}

func customerModel(c identity.Customer) *identityql.Customer {
	return &identityql.Customer{ID: c.ID, Email: c.Email, Name: c.Name, Role: roleModel(c.Role)}
}

// roleModel is the account's role in the graph. Anything but staff reads as a customer, as a
// login issues it.
func roleModel(role string) identityql.Role {
	if role == trust.RoleStaff {
		return identityql.RoleStaff
	}
	return identityql.RoleCustomer
}

func userErrorModel(r *identity.Rejection) identityql.UserError {
	return identityql.UserError{Code: r.Code, Message: r.Message}
}
