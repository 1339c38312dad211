package loaders

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// inventoryStockStub records the SKUs of every read.
type inventoryStockStub struct {
	mu    sync.Mutex
	reads [][]string
	err   error
	panic bool
}

func (f *inventoryStockStub) Availability(_ context.Context, skus []string) ([]inventory.Availability, error) {
	f.mu.Lock()
	f.reads = append(f.reads, slices.Clone(skus))
	f.mu.Unlock()
	if f.panic {
		panic("read failed")
	}
	if f.err != nil {
		return nil, f.err
	}
	out := make([]inventory.Availability, len(skus))
	for i, sku := range skus {
		out[i] = inventory.Availability{SKU: sku, Centers: []inventory.CenterStock{{OnHand: len(sku)}}}
	}
	return out, nil
}

func (f *inventoryStockStub) FulfillmentCentersByID(context.Context, []string) (map[string]inventory.FulfillmentCenter, error) {
	return nil, nil
}

func TestAvailabilityLoaderReadsEachSKUOnce(t *testing.T) {
	stock := &inventoryStockStub{}
	l := NewInventory(stock).Availability
	ctx := context.Background()

	got, err := l.Load(ctx, []string{"A", "BB", "A"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["BB"].Total() != 2 || got["A"].SKU != "A" {
		t.Errorf("Load = %+v", got)
	}
	if _, err := l.Load(ctx, []string{"BB", "CCC"}); err != nil {
		t.Fatal(err)
	}
	l.Clear("A")
	if _, err := l.Load(ctx, []string{"A", "BB"}); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"A", "BB"}, {"CCC"}, {"A"}}
	if !slices.EqualFunc(stock.reads, want, slices.Equal) {
		t.Errorf("reads = %v, want %v", stock.reads, want)
	}
}

// Concurrent loads of overlapping SKUs read every SKU exactly once and all see it.
func TestAvailabilityLoaderConcurrentLoads(t *testing.T) {
	stock := &inventoryStockStub{}
	l := NewInventory(stock).Availability
	skus := []string{"A", "B", "C", "D", "E", "F", "G", "H"}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			mine := skus[i%4 : i%4+4]
			got, err := l.Load(context.Background(), mine)
			if err != nil || len(got) != len(mine) {
				t.Errorf("Load(%v) = %v, %v", mine, got, err)
			}
		})
	}
	wg.Wait()
	var read []string
	for _, r := range stock.reads {
		read = append(read, r...)
	}
	slices.Sort(read)
	if !slices.Equal(read, skus[:7]) {
		t.Errorf("SKUs read = %v, want each of %v once", read, skus[:7])
	}
}

func TestAvailabilityLoaderFailures(t *testing.T) {
	outage := errors.New("connection refused")
	tests := []struct {
		name  string
		stock *inventoryStockStub
	}{
		{"read error", &inventoryStockStub{err: outage}},
		{"read panic", &inventoryStockStub{panic: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewInventory(tt.stock).Availability
			func() {
				defer func() { _ = recover() }()
				_, _ = l.Load(context.Background(), []string{"A"})
			}()
			// A later load of the same SKU must fail too rather than wait for ever.
			if _, err := l.Load(context.Background(), []string{"A"}); err == nil {
				t.Error("a failed read was served as a value")
			}
		})
	}
}
