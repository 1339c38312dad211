// Package trust carries who is calling across the store's process boundaries. A client proves
// who it is to the gateway with a bearer token (Tokens, issued by the identity subgraph at
// login); the gateway then tells subgraphs with headers signed by a secret only it and the
// subgraphs share (Signer, Middleware), so a client that sends those headers itself is a guest.
package trust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// Roles a signed-in account has. Every account is a customer; staff may also edit the catalog.
const (
	RoleCustomer = "customer"
	RoleStaff    = "staff"
)

// ValidRole reports whether role is one the store knows.
func ValidRole(role string) bool { return role == RoleCustomer || role == RoleStaff }

// Caller is who a request acts for: a signed-in account with its role, or a guest when
// CustomerID is empty.
type Caller struct {
	CustomerID string
	Role       string // RoleCustomer or RoleStaff; empty for a guest
}

// Guest reports whether the caller is not signed in.
func (c Caller) Guest() bool { return c.CustomerID == "" }

// Staff reports whether the caller is a signed-in member of staff.
func (c Caller) Staff() bool { return c.CustomerID != "" && c.Role == RoleStaff }

type callerKey struct{}

// WithCustomer returns ctx acting for the customer, with the customer role. Middleware calls
// WithCaller once the gateway's signature checks out; in-process callers (the checkout saga,
// tests) call either directly.
func WithCustomer(ctx context.Context, customerID string) context.Context {
	c := Caller{CustomerID: customerID}
	if customerID != "" {
		c.Role = RoleCustomer
	}
	return WithCaller(ctx, c)
}

// WithCaller returns ctx acting for the caller.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns who ctx acts for; a context that never went through Middleware or
// WithCustomer is a guest.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// CustomerFrom returns the signed-in customer's id, or "" for a guest.
func CustomerFrom(ctx context.Context) string { return CallerFrom(ctx).CustomerID }

// IsStaff reports whether ctx acts for a signed-in member of staff, as the gateway's signed
// headers say.
func IsStaff(ctx context.Context) bool { return CallerFrom(ctx).Staff() }

// Environment variables that hold the secrets, and the development defaults used when they
// are unset. The defaults are public, so a deployment must set both.
const (
	EnvTokenSecret   = "JWT_SECRET"
	EnvGatewaySecret = "GATEWAY_SECRET"

	DevTokenSecret   = "shopgraph-development-token-secret-do-not-deploy"
	DevGatewaySecret = "shopgraph-development-gateway-secret-do-not-deploy"

	// MinSecretLength is the shortest configured secret accepted: an HMAC-SHA256 key shorter
	// than the hash output weakens it.
	MinSecretLength = 32
)

// Secrets are the keys of the two trust boundaries.
type Secrets struct {
	Token   []byte // signs customers' bearer tokens (HS256)
	Gateway []byte // signs the headers the gateway sends subgraphs
}

// SecretsFromEnv reads JWT_SECRET and GATEWAY_SECRET, falling back to the development
// defaults (with a warning) when unset. A configured secret that is too short is an error
// rather than a silent weak key.
func SecretsFromEnv() (Secrets, error) {
	token, err := secretFromEnv(EnvTokenSecret, DevTokenSecret)
	if err != nil {
		return Secrets{}, err
	}
	gateway, err := secretFromEnv(EnvGatewaySecret, DevGatewaySecret)
	if err != nil {
		return Secrets{}, err
	}
	if string(token) == string(gateway) && os.Getenv(EnvTokenSecret) != "" {
		// One leaked key would then let a client both mint tokens and sign headers.
		return Secrets{}, errors.New("JWT_SECRET and GATEWAY_SECRET must differ")
	}
	return Secrets{Token: token, Gateway: gateway}, nil
}

func secretFromEnv(name, dev string) ([]byte, error) {
	v := os.Getenv(name)
	if v == "" {
		slog.Warn("using the public development secret; set it before deploying", "env", name)
		return []byte(dev), nil
	}
	if len(v) < MinSecretLength {
		return nil, fmt.Errorf("%s must be at least %d bytes", name, MinSecretLength)
	}
	return []byte(v), nil
}
