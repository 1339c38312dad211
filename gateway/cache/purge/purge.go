// Package purge keeps the response cache true to the store's events: a durable JetStream
// consumer of ProductChanged (key: the product id) and StockChanged (key: the SKU) that purges
// the tagged entries in Redis and, through the cache's purge channel, in every gateway
// replica's process. Purging twice does no harm, so at-least-once delivery is enough.
package purge

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	bus "github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shopgraph/shopgraph/gateway/cache"
)

// Config names the stream and subjects the events arrive on.
type Config struct {
	Stream         string // the stream that keeps the events
	ProductChanged string // subject of ProductChanged
	StockChanged   string // subject of StockChanged
	// Durable is the consumer's name; replicas share it so each event is applied once
	// (default "response-cache-purger").
	Durable string
	// OnReady, when set, is called once the consumer is in place: events published from then
	// on are purged.
	OnReady func()
}

const (
	maxBatch   = 256
	retryDelay = time.Second
)

// Purger applies catalog and stock events to the response cache.
type Purger struct {
	js    jetstream.JetStream
	store *cache.Store
	cfg   Config
}

// New returns a purger of store's entries for the events on js.
func New(js jetstream.JetStream, store *cache.Store, cfg Config) *Purger {
	if cfg.Durable == "" {
		cfg.Durable = "response-cache-purger"
	}
	return &Purger{js: js, store: store, cfg: cfg}
}

// Run purges until ctx ends, then returns nil; it returns an error only when the durable
// consumer cannot be set up. Events arriving together are purged in one round.
func (p *Purger) Run(ctx context.Context) error {
	err := bus.Batches{
		Stream: p.cfg.Stream, Durable: p.cfg.Durable,
		Subjects: []string{p.cfg.ProductChanged, p.cfg.StockChanged},
		// a purge is about what is cached now: events from before this consumer existed
		// concern entries long gone
		Deliver: jetstream.DeliverNewPolicy,
		Max:     maxBatch,
		OnReady: p.cfg.OnReady,
	}.Run(ctx, p.js, p.apply)
	if err != nil {
		return fmt.Errorf("cache purger: %w", err)
	}
	return nil
}

// Tags are the cache tags an event names: Product:<id> for ProductChanged, Variant:<sku> for
// StockChanged (PurgeRelated adds the entities seen around them, such as the SKU's product).
func (p *Purger) Tags(subject, key string) []string {
	switch subject {
	case p.cfg.ProductChanged:
		return []string{cache.Tag("Product", key)}
	case p.cfg.StockChanged:
		return []string{cache.Tag("Variant", key)}
	}
	return nil
}

// keyPayload is the payload's fallback for the key, for publishers that do not set the
// Shopgraph-Event-Key header.
type keyPayload struct {
	ProductID string `json:"productId"`
	SKU       string `json:"sku"`
}

func (p *Purger) key(m jetstream.Msg) string {
	if k := m.Headers().Get("Shopgraph-Event-Key"); k != "" {
		return k
	}
	var kp keyPayload
	_ = json.Unmarshal(m.Data(), &kp)
	if m.Subject() == p.cfg.ProductChanged {
		return kp.ProductID
	}
	return kp.SKU
}

func (p *Purger) apply(ctx context.Context, batch []jetstream.Msg) {
	var tags []string
	var applied []jetstream.Msg
	seen := map[string]bool{}
	for _, m := range batch {
		k := p.key(m)
		if k == "" {
			slog.WarnContext(ctx, "cache purger: event without key dropped", "subject", m.Subject())
			_ = m.Term()
			continue
		}
		for _, t := range p.Tags(m.Subject(), k) {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
		applied = append(applied, m)
	}
	if len(applied) == 0 {
		return
	}
	if err := p.store.PurgeRelated(ctx, tags...); err != nil {
		if ctx.Err() == nil {
			slog.WarnContext(ctx, "cache purger: purge failed, retrying", "err", err, "tags", len(tags))
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
