package loaders

import (
	"context"
	"errors"
	"sync"
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

// Inventory holds the inventory loaders of one request.
type Inventory struct {
	Availability      *AvailabilityLoader
	FulfillmentCenter *dataloader.Loader[string, *inventory.FulfillmentCenter] // nil when unknown
}

// NewInventory returns fresh loaders for one request.
func NewInventory(r InventoryReader) *Inventory {
	return &Inventory{
		Availability: &AvailabilityLoader{read: r.Availability, entries: map[string]*availabilityEntry{}},
		FulfillmentCenter: dataloader.NewBatchedLoader(centerBatch(r),
			dataloader.WithWait[string, *inventory.FulfillmentCenter](2*time.Millisecond),
			dataloader.WithBatchCapacity[string, *inventory.FulfillmentCenter](1000)),
	}
}

// AvailabilityLoader reads and caches the availability of SKUs for one request. Its callers
// are gqlgen batch resolvers, which already hold every SKU of their batch, so it needs no
// time window: each Load reads, in one query, the SKUs no earlier Load asked for, and waits
// for those another Load is reading. Batches are therefore exact, whatever the scheduling,
// and a SKU asked for by several fields (Variant.availability, Variant.inStock,
// Product.inStock) is read once.
type AvailabilityLoader struct {
	read    func(ctx context.Context, skus []string) ([]inventory.Availability, error)
	mu      sync.Mutex
	entries map[string]*availabilityEntry
}

type availabilityEntry struct {
	done  chan struct{} // closed once value or err is set
	value inventory.Availability
	err   error
}

var errReadAborted = errors.New("availability read aborted")

// Load returns the availability of each of skus, keyed by SKU.
func (l *AvailabilityLoader) Load(ctx context.Context, skus []string) (map[string]inventory.Availability, error) {
	wanted := make(map[string]*availabilityEntry, len(skus))
	var missing []string
	var claimed []*availabilityEntry
	l.mu.Lock()
	for _, sku := range skus {
		if _, ok := wanted[sku]; ok {
			continue
		}
		e, ok := l.entries[sku]
		if !ok {
			e = &availabilityEntry{done: make(chan struct{})}
			l.entries[sku] = e
			missing = append(missing, sku)
			claimed = append(claimed, e)
		}
		wanted[sku] = e
	}
	l.mu.Unlock()

	if len(missing) > 0 {
		l.fill(ctx, missing, claimed)
	}
	out := make(map[string]inventory.Availability, len(wanted))
	for sku, e := range wanted {
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return nil, e.err
		}
		out[sku] = e.value
	}
	return out, nil
}

// fill reads the claimed entries and releases everyone waiting for them, even if the read
// panics, so that no other resolver of the request waits for ever.
func (l *AvailabilityLoader) fill(ctx context.Context, skus []string, entries []*availabilityEntry) {
	var as []inventory.Availability
	err := errReadAborted
	defer func() {
		for i, e := range entries {
			if err == nil && i < len(as) {
				e.value = as[i]
			} else {
				e.err = err
			}
			close(e.done)
		}
	}()
	as, err = l.read(ctx, skus)
}

// Clear forgets a SKU, so that the next Load reads it again (after a restock, say).
func (l *AvailabilityLoader) Clear(sku string) {
	l.mu.Lock()
	delete(l.entries, sku)
	l.mu.Unlock()
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
