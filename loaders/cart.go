package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
)

// CartReader is what the cart loaders read from: one query per batch of keys.
type CartReader interface {
	// CartsByID returns the owner's carts among ids, with their lines, keyed by id; carts
	// the owner may not see are absent.
	CartsByID(ctx context.Context, owner cart.Owner, ids []string) (map[string]cart.Cart, error)
}

// Cart batches the cart lookups of one request: every Cart entity of an _entities call
// shares one query. The loaders belong to one caller (the request's), so they only ever
// return that caller's carts.
type Cart struct {
	CartByID *dataloader.Loader[string, *cart.Cart] // nil when absent or not the owner's
}

const (
	// cartWait is how long a batch stays open: long enough for the resolvers of one
	// _entities call, which gqlgen starts together, to join it.
	cartWait = 2 * time.Millisecond
	// cartBatchCap bounds the keys of one query; a cart brings up to 500 lines with it.
	cartBatchCap = 100
)

// NewCart returns fresh loaders for one request by owner.
func NewCart(r CartReader, owner cart.Owner) *Cart {
	batch := func(ctx context.Context, ids []string) []*dataloader.Result[*cart.Cart] {
		found, err := r.CartsByID(ctx, owner, ids)
		results := make([]*dataloader.Result[*cart.Cart], len(ids))
		for i, id := range ids {
			if err != nil {
				results[i] = &dataloader.Result[*cart.Cart]{Error: err}
				continue
			}
			var c *cart.Cart
			if v, ok := found[id]; ok {
				c = &v
			}
			results[i] = &dataloader.Result[*cart.Cart]{Data: c}
		}
		return results
	}
	return &Cart{CartByID: dataloader.NewBatchedLoader(batch,
		dataloader.WithWait[string, *cart.Cart](cartWait),
		dataloader.WithBatchCapacity[string, *cart.Cart](cartBatchCap))}
}

type cartKey struct{}

// WithCart returns ctx carrying the request's cart loaders.
func WithCart(ctx context.Context, l *Cart) context.Context {
	return context.WithValue(ctx, cartKey{}, l)
}

// CartFrom returns the loaders installed by WithCart, or nil.
func CartFrom(ctx context.Context) *Cart {
	l, _ := ctx.Value(cartKey{}).(*Cart)
	return l
}
