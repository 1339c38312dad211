package purge_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/nats-io/nats.go"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/cache/purge"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	bus "github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
)

// TestEventsPurgeTheirTags publishes StockChanged and ProductChanged as the outbox relay does
// and requires the purges they name: Variant:<sku> (with the product it was seen in) and
// Product:<id>. An event without a key purges nothing and does not stop the others.
func TestEventsPurgeTheirTags(t *testing.T) {
	b, err := bus.Open(context.Background(), bus.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	purged := make(chan []string, 16)
	store := cache.NewStore(cache.Options{Redis: redistest.Client(t), Prefix: "test:edge-cache:" + ulid.Make().String() + ":",
		OnPurge: func(tags []string) { purged <- tags }})

	ready := make(chan struct{})
	product, stock := outbox.New("catalog").Subject("ProductChanged"), outbox.New("inventory").Subject("StockChanged")
	p := purge.New(b.JetStream(), store, purge.Config{Stream: bus.StreamName, ProductChanged: product, StockChanged: stock,
		OnReady: func() { close(ready) }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("purger: %v", err)
		}
	})
	<-ready

	publish := func(subject, key string, data string) {
		t.Helper()
		m := nats.NewMsg(subject)
		m.Data = []byte(data)
		if key != "" {
			m.Header.Set("Shopgraph-Event-Key", key)
		}
		if _, err := b.JetStream().PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(want string) {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case tags := <-purged:
				for _, got := range tags {
					if got == want {
						return
					}
				}
			case <-timeout:
				t.Fatalf("no purge of %s within 5s", want)
			}
		}
	}
	publish(stock, "", `{}`) // no key anywhere: dropped
	publish(stock, "SKU-1", `{"sku":"SKU-1"}`)
	expect("Variant:SKU-1")
	publish(product, "", `{"productId":"P-9"}`) // the payload's key when the header is missing
	expect("Product:P-9")
}
