package partner

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

// KeysOptions configure key lookups.
type KeysOptions struct {
	// TTL is how long a lookup, found or not, is remembered (default 5s). It bounds how long a
	// revoked key keeps working on a replica.
	TTL time.Duration
	// Size is how many lookups are remembered (default 10,000).
	Size int
}

// Keys authenticates secrets against the store, remembering answers for a short while so a
// request does not cost a database round trip.
type Keys struct {
	store Store
	cache *expirable.LRU[string, *Key] // hash → key; nil for an unknown or revoked hash
	group singleflight.Group
	ttl   time.Duration
}

// NewKeys returns an authenticator over the store.
func NewKeys(store Store, opts KeysOptions) *Keys {
	if opts.TTL <= 0 {
		opts.TTL = 5 * time.Second
	}
	if opts.Size <= 0 {
		opts.Size = 10_000
	}
	return &Keys{store: store, cache: expirable.NewLRU[string, *Key](opts.Size, nil, opts.TTL), ttl: opts.TTL}
}

// TTL is the longest a revoked key keeps working.
func (k *Keys) TTL() time.Duration { return k.ttl }

// Authenticate returns the live key of a secret, or ErrInvalidKey.
func (k *Keys) Authenticate(ctx context.Context, secret string) (*Key, error) {
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) > 128 {
		return nil, ErrInvalidKey
	}
	h := hex.EncodeToString(Hash(secret))
	if key, ok := k.cache.Get(h); ok {
		if key == nil {
			return nil, ErrInvalidKey
		}
		return key, nil
	}
	v, err, _ := k.group.Do(h, func() (any, error) {
		if key, ok := k.cache.Get(h); ok { // a lookup that just finished
			return key, nil
		}
		// The lookup is shared by every request waiting on it, so one leaving does not end it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		key, err := k.store.ByHash(ctx, Hash(secret))
		if err != nil {
			return nil, fmt.Errorf("look up API key: %w", err)
		}
		k.cache.Add(h, key)
		return key, nil
	})
	if err != nil {
		return nil, err
	}
	if key := v.(*Key); key != nil {
		return key, nil
	}
	return nil, ErrInvalidKey
}
