package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// InventoryReader is what the inventory loaders read from: one query per batch of keys.
type InventoryReader interface {
	// Availability returns one Availability per SKU, in the order of skus.
	Availability(ctx context.Context, skus []string) ([]inventory.Availability, error)
	// FulfillmentCentersByID returns the known centers among ids, keyed by id.
	FulfillmentCentersByID(ctx context.Context, ids []string) (map[string]inventory.FulfillmentCenter, error)
}

// Inventory batches the stock lookups of one request: every Variant.availability,
// Variant.inStock and Product.inStock resolved while a batch window is open shares one query.
type Inventory struct {
	Availability      *dataloader.Loader[string, inventory.Availability]
	FulfillmentCenter *dataloader.Loader[string, *inventory.FulfillmentCenter] // nil when unknown
}

const (
	// inventoryWait is how long a batch stays open: long enough for the resolvers of one
	// _entities call, which gqlgen starts together, to join it.
	inventoryWait = 2 * time.Millisecond
	// inventoryBatchCap bounds the keys of one query.
	inventoryBatchCap = 2000
)

// NewInventory returns fresh loaders for one request.
func NewInventory(r InventoryReader) *Inventory {
	return &Inventory{
		Availability: dataloader.NewBatchedLoader(availabilityBatch(r),
			dataloader.WithWait[string, inventory.Availability](inventoryWait),
			dataloader.WithBatchCapacity[string, inventory.Availability](inventoryBatchCap)),
		FulfillmentCenter: dataloader.NewBatchedLoader(centerBatch(r),
			dataloader.WithWait[string, *inventory.FulfillmentCenter](inventoryWait),
			dataloader.WithBatchCapacity[string, *inventory.FulfillmentCenter](inventoryBatchCap)),
	}
}

func availabilityBatch(r InventoryReader) dataloader.BatchFunc[string, inventory.Availability] {
	return func(ctx context.Context, skus []string) []*dataloader.Result[inventory.Availability] {
		results := make([]*dataloader.Result[inventory.Availability], len(skus))
		as, err := r.Availability(ctx, skus)
		for i := range skus {
			if err != nil {
				results[i] = &dataloader.Result[inventory.Availability]{Error: err}
				continue
			}
			results[i] = &dataloader.Result[inventory.Availability]{Data: as[i]}
		}
		return results
	}
}

func centerBatch(r InventoryReader) dataloader.BatchFunc[string, *inventory.FulfillmentCenter] {
	return func(ctx context.Context, ids []string) []*dataloader.Result[*inventory.FulfillmentCenter] {
		results := make([]*dataloader.Result[*inventory.FulfillmentCenter], len(ids))
		centers, err := r.FulfillmentCentersByID(ctx, ids)
		for i, id := range ids {
			if err != nil {
				results[i] = &dataloader.Result[*inventory.FulfillmentCenter]{Error: err}
				continue
			}
			var found *inventory.FulfillmentCenter
			if c, ok := centers[id]; ok {
				found = &c
			}
			results[i] = &dataloader.Result[*inventory.FulfillmentCenter]{Data: found}
		}
		return results
	}
}

type inventoryKey struct{}

// WithInventory returns ctx carrying the request's inventory loaders.
func WithInventory(ctx context.Context, l *Inventory) context.Context {
	return context.WithValue(ctx, inventoryKey{}, l)
}

// InventoryFrom returns the loaders installed by WithInventory, or nil.
func InventoryFrom(ctx context.Context) *Inventory {
	l, _ := ctx.Value(inventoryKey{}).(*Inventory)
	return l
}
