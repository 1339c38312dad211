// Package consumer keeps the search index fresh from the store's events: a durable JetStream
// consumer of ProductChanged (catalog) and StockChanged (inventory) that refreshes the products
// they name. Refreshing reads the products' current state, so a repeated, late or reordered
// event changes nothing that a later one would not: delivery is at least once, the effect is
// exactly once.
package consumer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	bus "github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// The events the index follows: the domain that publishes each, its type, and the key that
// names what changed (the outbox's Event.Key).
const (
	ProductChanged = "ProductChanged" // catalog; key: the product id
	StockChanged   = "StockChanged"   // inventory; key: the SKU
)

// Subjects the consumer reads, as the outbox relay names them.
var (
	ProductChangedSubject = outbox.New("catalog").Subject(ProductChanged)
	StockChangedSubject   = outbox.New("inventory").Subject(StockChanged)
)

// Durable is the consumer's name on the stream: replicas share it, so each event is applied
// by one of them, and a restarted process resumes where the last left off.
const Durable = "search-indexer"

const (
	maxBatch = 256 // events applied together: one catalog read and one index write
	// retryDelay is how long a batch that failed (database or index down) waits to come back.
	retryDelay = time.Second
)

// Refresher is what the consumer asks of the index; *search.Indexer is one.
type Refresher interface {
	Refresh(ctx context.Context, productIDs []string) error
	RefreshSKUs(ctx context.Context, skus []string) error
}

var _ Refresher = (*search.Indexer)(nil)

// Consumer applies catalog and stock events to the search index.
type Consumer struct {
	js      jetstream.JetStream
	index   Refresher
	durable string
}

// New returns a consumer of the events on js (bus.Bus.JetStream()) for index.
func New(js jetstream.JetStream, index Refresher) *Consumer {
	return &Consumer{js: js, index: index, durable: Durable}
}

// Run applies events until ctx ends, then returns nil; it returns an error only when the
// durable consumer cannot be set up. Events arriving together are applied as one batch.
func (c *Consumer) Run(ctx context.Context) error {
	err := bus.Batches{
		Stream: bus.StreamName, Durable: c.durable,
		Subjects: []string{ProductChangedSubject, StockChangedSubject},
		Deliver:  jetstream.DeliverAllPolicy,
		Max:      maxBatch,
	}.Run(ctx, c.js, c.apply)
	if err != nil {
		return fmt.Errorf("search events consumer: %w", err)
	}
	return nil
}

// keyPayload is the payload's fallback for the key, for publishers that do not set the
// Shopgraph-Event-Key header.
type keyPayload struct {
	ProductID string `json:"productId"`
	SKU       string `json:"sku"`
}

func key(m jetstream.Msg) string {
	if k := m.Headers().Get("Shopgraph-Event-Key"); k != "" {
		return k
	}
	var p keyPayload
	_ = json.Unmarshal(m.Data(), &p)
	if m.Subject() == ProductChangedSubject {
		return p.ProductID
	}
	return p.SKU
}

// apply refreshes the batch's products and SKUs, then acknowledges it; on failure it asks for
// the batch again after retryDelay.
func (c *Consumer) apply(ctx context.Context, batch []jetstream.Msg) {
	var products, skus []string
	var applied []jetstream.Msg
	for _, m := range batch {
		k := key(m)
		switch {
		case k == "":
			slog.WarnContext(ctx, "search: event without key dropped", "subject", m.Subject())
			_ = m.Term()
			continue
		case m.Subject() == ProductChangedSubject:
			products = append(products, k)
		default:
			skus = append(skus, k)
		}
		applied = append(applied, m)
	}
	err := c.index.Refresh(ctx, products)
	if err == nil && len(skus) > 0 {
		err = c.index.RefreshSKUs(ctx, skus)
	}
	if err != nil {
		if ctx.Err() == nil {
			slog.WarnContext(ctx, "search: apply events", "events", len(applied), "err", err)
		}
		for _, m := range applied {
			_ = m.NakWithDelay(retryDelay)
		}
		return
	}
	for _, m := range applied {
		_ = m.Ack()
	}
}
