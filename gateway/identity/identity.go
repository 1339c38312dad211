// Package identity is the gateway's edge check of who is calling. It verifies a client's
// bearer token and tells the subgraphs the customer with headers signed by the gateway
// secret (subgraphs/trust); headers of that name that a client sends itself are dropped.
package identity

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// CodeUnauthenticated is the extensions.code of a request whose bearer token is refused.
const CodeUnauthenticated = "UNAUTHENTICATED"

// Middleware runs in front of the gateway's GraphQL handler. A request without an
// Authorization header goes on as a guest; one with a valid bearer token goes on as its
// customer; any other Authorization is answered 401, so a client with an expired token
// learns to sign in again instead of silently shopping as a guest.
func Middleware(tokens *trust.Tokens, signer *trust.Signer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.Clone(r.Context())
			for name := range r.Header {
				if strings.HasPrefix(http.CanonicalHeaderKey(name), trust.HeaderPrefix) {
					r.Header.Del(name)
				}
			}
			auth := r.Header.Values("Authorization")
			if len(auth) == 0 {
				next.ServeHTTP(w, r)
				return
			}
			token, ok := bearer(auth)
			if !ok {
				unauthenticated(w, "Authorization must be a single `Bearer <token>`")
				return
			}
			customerID, err := tokens.Verify(token)
			if err != nil {
				unauthenticated(w, "the bearer token is invalid or expired: sign in again")
				return
			}
			signer.Sign(r.Header, customerID)
			next.ServeHTTP(w, r)
		})
	}
}

// bearer returns the token of a single "Bearer <token>" header (the scheme is
// case-insensitive, RFC 7235).
func bearer(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

type graphqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// unauthenticated answers like the gateway answers any request it refuses: a GraphQL
// response with only errors.
func unauthenticated(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []graphqlError{{
		Message:    message,
		Extensions: map[string]any{"code": CodeUnauthenticated},
	}}})
}
