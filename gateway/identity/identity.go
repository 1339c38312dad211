// Package identity is the gateway's edge check of who is calling. It verifies a client's
// bearer token and tells the subgraphs the customer and their role with headers signed by the
// gateway secret (subgraphs/trust), so a client cannot name a customer or a role itself.
package identity

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// CodeUnauthenticated is the extensions.code of a request whose bearer token is refused.
const CodeUnauthenticated = "UNAUTHENTICATED"

// Errors of a refused Authorization header. Their messages are safe to show.
var (
	ErrMalformedAuthorization = errors.New("the Authorization header must be a single `Bearer <token>`")
	ErrInvalidToken           = errors.New("the bearer token is invalid or expired: sign in again")
)

// Authenticator checks bearer tokens and signs the customer headers.
type Authenticator struct {
	tokens *trust.Tokens
	signer *trust.Signer

	roles   Roles // nil: the token's role is taken as it is
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	checked map[string]checkedRole // account id → role read from roles
}

// Roles says which role an account holds now ("" when there is no such account).
type Roles interface {
	Role(ctx context.Context, accountID string) (string, error)
}

type checkedRole struct {
	role string
	at   time.Time
}

// New returns an Authenticator that checks tokens with tokens and signs with signer.
func New(tokens *trust.Tokens, signer *trust.Signer) *Authenticator {
	return &Authenticator{tokens: tokens, signer: signer, now: time.Now}
}

// WithRoles makes a token's role above customer count only while roles still gives the
// account that role, read at most once per ttl per account: a staff member who is demoted
// loses staff rights within ttl, not when their token expires. Customers' tokens are taken as
// they are (no lookup). When roles cannot be read, the caller is a customer until it can.
func (a *Authenticator) WithRoles(roles Roles, ttl time.Duration) *Authenticator {
	a.roles, a.ttl, a.checked = roles, ttl, map[string]checkedRole{}
	return a
}

// effective is the role the caller holds now: the token's, unless roles says otherwise.
func (a *Authenticator) effective(ctx context.Context, c trust.Caller) string {
	if a.roles == nil || c.Role == trust.RoleCustomer {
		return c.Role
	}
	now := a.now()
	a.mu.Lock()
	got, ok := a.checked[c.CustomerID]
	a.mu.Unlock()
	if !ok || now.Sub(got.at) >= a.ttl {
		role, err := a.roles.Role(ctx, c.CustomerID)
		if err != nil {
			slog.WarnContext(ctx, "identity: role of a staff token unreadable; serving it as a customer", "account", c.CustomerID, "err", err)
			return trust.RoleCustomer
		}
		got = checkedRole{role: role, at: now}
		a.mu.Lock()
		a.checked[c.CustomerID] = got
		a.mu.Unlock()
	}
	if got.role != c.Role {
		return trust.RoleCustomer // demoted (or gone) since the token was issued
	}
	return c.Role
}

// SubgraphHeaders returns the signed caller headers (customer and role, both taken from the
// token, never from the client's headers) for a request with a valid bearer
// token, none for a request without Authorization (a guest), and an error for any other
// Authorization, so a client with an expired token learns to sign in again instead of
// silently shopping as a guest. It fits the gateway's server.Config.SubgraphHeaders hook.
func (a *Authenticator) SubgraphHeaders(r *http.Request) (http.Header, error) {
	auth := r.Header.Values("Authorization")
	if len(auth) == 0 {
		return nil, nil
	}
	token, ok := bearer(auth)
	if !ok {
		return nil, ErrMalformedAuthorization
	}
	caller, err := a.tokens.VerifyCaller(token)
	if err != nil {
		return nil, ErrInvalidToken
	}
	caller.Role = a.effective(r.Context(), caller)
	h := http.Header{}
	a.signer.SignCaller(h, caller)
	return h, nil
}

// Middleware does the same in front of any handler that forwards request headers: it drops
// X-Shopgraph-* headers the client sent, adds the signed ones, and answers a refused
// Authorization with 401 and a GraphQL error UNAUTHENTICATED.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		for name := range r.Header {
			if strings.HasPrefix(http.CanonicalHeaderKey(name), trust.HeaderPrefix) {
				r.Header.Del(name)
			}
		}
		signed, err := a.SubgraphHeaders(r)
		if err != nil {
			unauthenticated(w, err.Error())
			return
		}
		for k, v := range signed {
			r.Header[k] = v
		}
		next.ServeHTTP(w, r)
	})
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
