package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	"github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

var shop = subgraphs.Domain{Name: "shop", Schema: "shop", Migrations: os.DirFS("testdata/migrations")}

var box = outbox.New("shop")

type fixture struct {
	pool *pgxpool.Pool
	bus  *jetstream.Bus
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	pool := pgtest.NewPool(t, nil, shop)
	bus, err := jetstream.Open(context.Background(), jetstream.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	return fixture{pool: pool, bus: bus}
}

// change makes a widget and announces it in one transaction, committed or not.
func (f fixture) change(t *testing.T, id string, commit bool) {
	t.Helper()
	ctx := context.Background()
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `INSERT INTO shop.widget (id) VALUES ($1)`, id); err != nil {
		t.Fatal(err)
	}
	if err := box.Write(ctx, tx, outbox.Event{Type: "WidgetMade", Key: id, Payload: map[string]string{"id": id}}); err != nil {
		t.Fatal(err)
	}
	if commit {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func (f fixture) streamMessages(t *testing.T) uint64 {
	t.Helper()
	s, err := f.bus.JetStream().Stream(context.Background(), jetstream.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// consume reads every message of the stream once and returns how often each event id came.
func (f fixture) consume(t *testing.T, want int) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := f.bus.JetStream().CreateOrUpdateConsumer(ctx, jetstream.StreamName, natsjs.ConsumerConfig{
		Durable: "test", FilterSubject: box.Subject("WidgetMade"), AckPolicy: natsjs.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for len(seen) < want {
		batch, err := c.Fetch(want, natsjs.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			seen[m.Headers().Get("Nats-Msg-Id")]++
			_ = m.Ack()
		}
		if n == 0 {
			break // nothing more within the bounded wait
		}
	}
	return seen
}

// A rolled-back change publishes nothing; a committed one is published once, and its row is
// gone from the outbox.
func TestRelayPublishesCommittedChangesOnly(t *testing.T) {
	f := newFixture(t)
	f.change(t, "rolled-back", false)
	f.change(t, "committed", true)
	relay := outbox.NewRelay(f.pool, box, f.bus)
	n, err := relay.RelayOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("relayed %d, %v; want 1", n, err)
	}
	if n, err := relay.RelayOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("second round relayed %d, %v; want 0", n, err)
	}
	if got := f.streamMessages(t); got != 1 {
		t.Errorf("stream holds %d messages, want 1", got)
	}
	var left int
	_ = f.pool.QueryRow(context.Background(), `SELECT count(*) FROM shop.outbox`).Scan(&left)
	if left != 0 {
		t.Errorf("%d rows left in the outbox after publishing, want 0", left)
	}
}

// crashAfterPublish publishes, then fails as a relay process that dies before it deletes the
// rows.
type crashAfterPublish struct{ bus *jetstream.Bus }

var errCrash = errors.New("relay stopped")

func (c crashAfterPublish) Publish(ctx context.Context, msgs []outbox.Message) error {
	if err := c.bus.Publish(ctx, msgs); err != nil {
		return err
	}
	return errCrash
}

// A relay that dies after publishing leaves the rows in the outbox; the next relay publishes them
// again under the same ids, and the stream keeps one copy: a consumer sees each event once.
// Two relays running at once never publish a row twice either.
func TestRelayAfterCrashDeliversEachEventOnce(t *testing.T) {
	const events = 30
	f := newFixture(t)
	for i := range events {
		f.change(t, fmt.Sprintf("w%02d", i), true)
	}
	ctx := context.Background()
	if _, err := outbox.NewRelay(f.pool, box, crashAfterPublish{f.bus}, outbox.WithBatch(10)).RelayOnce(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("crashing relay: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := outbox.NewRelay(f.pool, box, f.bus, outbox.WithBatch(7))
			for {
				n, err := r.RelayOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if total != events {
		t.Errorf("relays published and deleted %d rows, want %d", total, events)
	}
	if got := f.streamMessages(t); got != events {
		t.Errorf("stream holds %d messages, want %d", got, events)
	}
	seen := f.consume(t, events)
	if len(seen) != events {
		t.Errorf("consumer saw %d distinct events, want %d", len(seen), events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	var left int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM shop.outbox`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d rows left in the outbox, %v", left, err)
	}
}
