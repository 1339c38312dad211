// Package catalogresolvers maps the catalog subgraph's GraphQL schema onto the catalog domain.
// Resolvers stay thin: argument rules live in subgraphs/catalog, and every read of a related
// object goes through the request's loaders so a page of products costs one query per type.
package catalogresolvers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	catalogql "github.com/shopgraph/shopgraph/graph/catalog"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Resolver is the root of the catalog resolvers.
type Resolver struct {
	store         *postgres.Store
	authors       Authors
	gatewaySecret []byte
}

// Authors names the customers who write reviews. The binary wires it to identity in process;
// the catalog never reads identity's tables.
type Authors interface {
	// AuthorName returns the customer's display name, or "" when identity has none.
	AuthorName(ctx context.Context, customerID string) (string, error)
}

// Option configures NewHandler.
type Option func(*Resolver)

// WithGatewaySecret checks the caller headers the gateway signs (trust.Middleware), so the
// mutations know who is calling and whether they are staff. Without it every caller is a
// guest and the mutations answer UNAUTHENTICATED.
func WithGatewaySecret(secret []byte) Option {
	return func(r *Resolver) { r.gatewaySecret = append([]byte(nil), secret...) }
}

// WithAuthors names reviewers who give no author name.
func WithAuthors(a Authors) Option { return func(r *Resolver) { r.authors = a } }

// anonymousAuthor names a reviewer whom neither the review nor identity names.
const anonymousAuthor = "A customer"

// NewHandler serves the catalog subgraph, with fresh loaders for every request.
func NewHandler(store *postgres.Store, opts ...Option) http.Handler {
	r := &Resolver{store: store}
	for _, o := range opts {
		o(r)
	}
	schema := catalogql.NewExecutableSchema(catalogql.Config{Resolvers: r})
	h := resolvers.Handler(schema, func(ctx context.Context) context.Context {
		return loaders.WithCatalog(ctx, loaders.NewCatalog(store))
	})
	if len(r.gatewaySecret) == 0 {
		// No secret to check headers with: whatever an outer layer put in the context, the
		// caller is a guest.
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			h.ServeHTTP(w, req.WithContext(trust.WithCaller(req.Context(), trust.Caller{})))
		})
	}
	return trust.Middleware(r.gatewaySecret)(h)
}

// authorName is the customer's name as identity knows it, or anonymousAuthor.
func (r *Resolver) authorName(ctx context.Context, customerID string) (string, error) {
	if r.authors == nil {
		return anonymousAuthor, nil
	}
	name, err := r.authors.AuthorName(ctx, customerID)
	if err != nil {
		return "", fmt.Errorf("author of a review by %s: %w", customerID, err)
	}
	if name = strings.TrimSpace(name); name == "" {
		return anonymousAuthor, nil
	}
	if utf8.RuneCountInString(name) > catalog.MaxAuthorNameLength {
		name = string([]rune(name)[:catalog.MaxAuthorNameLength])
	}
	return name, nil
}

// loaders returns the request's loaders. Without them (a schema executed outside NewHandler)
// every call gets its own, which is correct but unbatched.
func (r *Resolver) loaders(ctx context.Context) *loaders.Catalog {
	if l := loaders.CatalogFrom(ctx); l != nil {
		return l
	}
	return loaders.NewCatalog(r.store)
}
