// Package partner authenticates the callers of the partner endpoint: API keys, each with its
// own quota, cost ceiling and scopes. Only a key's SHA-256 is stored; the secret is shown once,
// when the key is created.
package partner

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/shopgraph/shopgraph/gateway/quota"
)

// SecretPrefix starts every API key, so a leaked key is easy to recognise (and to scan for).
const SecretPrefix = "sg_"

// ErrInvalidKey is returned for a missing, unknown or revoked key.
var ErrInvalidKey = errors.New("invalid API key")

// Key is a partner's API key, without its secret.
type Key struct {
	ID   string
	Name string
	// Quota is how many requests the key may make per period; zero means no quota.
	Quota quota.Rate
	// MaxCost is the dearest operation the key may run (see gateway/cost); zero means the
	// endpoint's default.
	MaxCost int
	// Scopes name the groups of root fields the key may use (see Scopes).
	Scopes    []string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// NewKey is what creating a key needs.
type NewKey struct {
	Name    string
	Quota   quota.Rate
	MaxCost int
	Scopes  []string
}

// Store keeps keys by the hash of their secret.
type Store interface {
	// Create stores a key under the hash of its secret.
	Create(ctx context.Context, k NewKey, hash []byte) (*Key, error)
	// ByHash returns the live (unrevoked) key with that hash, or nil.
	ByHash(ctx context.Context, hash []byte) (*Key, error)
	// List returns every key, revoked ones included, oldest first.
	List(ctx context.Context) ([]Key, error)
	// Revoke marks a key revoked; it reports false when no live key has that id.
	Revoke(ctx context.Context, id string) (bool, error)
}

// NewSecret returns a fresh API key secret: the prefix and 32 random bytes.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Hash is what the store keeps of a secret.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Create makes a key and returns it with its secret, which is not kept anywhere.
func Create(ctx context.Context, s Store, k NewKey) (*Key, string, error) {
	secret, err := NewSecret()
	if err != nil {
		return nil, "", err
	}
	key, err := s.Create(ctx, k, Hash(secret))
	if err != nil {
		return nil, "", err
	}
	return key, secret, nil
}

// SecretFromRequest reads the key from `Authorization: Bearer sg_...` or `X-API-Key`.
func SecretFromRequest(r *http.Request) string {
	if v := strings.TrimSpace(r.Header.Get("X-API-Key")); v != "" {
		return v
	}
	auth := r.Header.Get("Authorization")
	if scheme, token, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return ""
}

type keyContext struct{}

// WithKey returns a context that carries the caller's key.
func WithKey(ctx context.Context, k *Key) context.Context {
	return context.WithValue(ctx, keyContext{}, k)
}

// FromContext returns the key of the partner request, or nil.
func FromContext(ctx context.Context) *Key {
	k, _ := ctx.Value(keyContext{}).(*Key)
	return k
}
