package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/gateway/partner"
	"github.com/shopgraph/shopgraph/gateway/partner/postgres"
	"github.com/shopgraph/shopgraph/gateway/quota"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

func TestKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	store := postgres.NewStore(pgtest.NewPool(t, nil, postgres.Domain))
	key, secret, err := partner.Create(ctx, store, partner.NewKey{Name: "acme", Quota: quota.Rate{Limit: 600, Period: time.Minute}, MaxCost: 5000, Scopes: []string{"products", "search"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, partner.SecretPrefix) || len(secret) != len(partner.SecretPrefix)+43 {
		t.Errorf("secret %q: want sg_ and 43 characters", secret)
	}
	keys := partner.NewKeys(store, partner.KeysOptions{TTL: 300 * time.Millisecond})
	got, err := keys.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != key.ID || got.Name != "acme" || got.MaxCost != 5000 || got.Quota.String() != "600/m" || strings.Join(got.Scopes, ",") != "products,search" {
		t.Errorf("authenticated key %+v", got)
	}
	for _, bad := range []string{"", "sg_unknown", "not-a-key", secret + "x"} {
		if _, err := keys.Authenticate(ctx, bad); !errors.Is(err, partner.ErrInvalidKey) {
			t.Errorf("Authenticate(%q) = %v, want ErrInvalidKey", bad, err)
		}
	}

	listed, err := store.List(ctx)
	if err != nil || len(listed) != 1 || listed[0].ID != key.ID || listed[0].RevokedAt != nil {
		t.Fatalf("List = %+v, %v", listed, err)
	}

	revoked := time.Now()
	if ok, err := store.Revoke(ctx, key.ID); err != nil || !ok {
		t.Fatalf("Revoke = %v, %v", ok, err)
	}
	if ok, err := store.Revoke(ctx, key.ID); err != nil || ok {
		t.Errorf("second Revoke = %v, %v; want false", ok, err)
	}
	// Revocation reaches this replica within the cache TTL.
	for {
		_, err := keys.Authenticate(ctx, secret)
		if errors.Is(err, partner.ErrInvalidKey) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(revoked) > keys.TTL()+time.Second {
			t.Fatalf("revoked key still works after %v (TTL %v)", time.Since(revoked), keys.TTL())
		}
		time.Sleep(10 * time.Millisecond)
	}
	listed, _ = store.List(ctx)
	if len(listed) != 1 || listed[0].RevokedAt == nil {
		t.Errorf("List after revoke = %+v", listed)
	}
}

// countingStore counts lookups that reach the database.
type countingStore struct {
	partner.Store
	lookups atomic.Int64
}

func (c *countingStore) ByHash(ctx context.Context, hash []byte) (*partner.Key, error) {
	c.lookups.Add(1)
	return c.Store.ByHash(ctx, hash)
}

func TestLookupsAreCachedAndShared(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: postgres.NewStore(pgtest.NewPool(t, nil, postgres.Domain))}
	_, secret, err := partner.Create(ctx, store, partner.NewKey{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	keys := partner.NewKeys(store, partner.KeysOptions{TTL: time.Minute})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := keys.Authenticate(ctx, secret); err != nil {
				t.Error(err)
			}
			if _, err := keys.Authenticate(ctx, "sg_nope"); !errors.Is(err, partner.ErrInvalidKey) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// one lookup for the key and one for the unknown secret, however many requests raced
	if n := store.lookups.Load(); n != 2 {
		t.Errorf("%d lookups reached the store, want 2", n)
	}
}
