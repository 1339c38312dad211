// Package redis is the flash-sale path of inventory: holds of hot SKUs taken by atomic Lua
// scripts in Redis, so that a sale of a few thousand units can take tens of thousands of
// reservation attempts a second without queueing on one Postgres row lock.
//
// Consistency model:
//
//   - Redis decides. For a hot SKU, the counters in Redis (units on hand and held, per center)
//     and its holds are the truth for reserving, confirming and releasing. Each operation is one
//     script over keys that share the hash tag {sku}, so it is atomic on one Redis or on a Redis
//     Cluster, and no two reservations can take the same unit: no oversell.
//   - Postgres follows. Every change is appended to a per-SKU stream in the same script; the
//     flusher (inventory.Flusher) writes the stream to Postgres (holds inserted, confirmed,
//     released; stock on hand decremented on confirmation) with idempotent statements and only
//     then deletes the entries, so each change is applied at least once and has effect once.
//     Postgres lags Redis by at most the flush interval, so availability (the graph's, and the
//     search index's) reads a hot SKU's counters from Redis (Stock) over Postgres' figures.
//   - Switching is fenced by Postgres. A SKU becomes hot (or cold) in a Postgres transaction that
//     holds its stock row locks, pauses the SKU in Redis, writes its pending stream, and, going
//     hot, re-derives the Redis counters from Postgres (the reconciler). The Postgres path checks
//     hotness under the same locks, and scripts refuse a SKU that is not loaded, so a SKU is
//     reserved on exactly one path at a time.
//   - Losing Redis loses what was not flushed yet (at most one flush interval of changes); the
//     flusher reloads hot SKUs that Redis no longer has from Postgres. Settled holds are kept in
//     Redis for a retention period (default 24 h) so that repeated calls for an order get the
//     same answer; after that, or after a reload, Redis forgets them.
//   - An order's SKUs are indexed under a key of its own (another slot), written after a
//     successful reservation; a process that stops between the two leaves a hold that confirm
//     cannot find until the order is reserved again, and which otherwise expires and is swept.
package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// Flash keeps the holds of hot SKUs in Redis. Safe for concurrent use.
type Flash struct {
	client goredis.UniversalClient
	// hot runs the reservation scripts. Concurrent reservations are coalesced into pipelines
	// (one write and one read per batch instead of per call), which is what lets one process
	// take tens of thousands of attempts a second; it is client when autopipelining is off.
	hot       goredis.Scripter
	closeHot  func() error
	prefix    string
	retention time.Duration
}

var _ inventory.FlashHolds = (*Flash)(nil)

// Option tunes a Flash.
type Option func(*Flash)

// WithPrefix namespaces every key (default "shopgraph:inventory"); it must not contain braces.
func WithPrefix(p string) Option { return func(f *Flash) { f.prefix = p } }

// WithRetention sets how long settled holds are remembered (default 24h).
func WithRetention(d time.Duration) Option { return func(f *Flash) { f.retention = d } }

// WithoutAutoPipeline sends each reservation script on its own round trip.
func WithoutAutoPipeline() Option { return func(f *Flash) { f.hot = f.client } }

// New returns the flash-sale path on a Redis client (a single node or a cluster). Close it to
// stop the reservation pipeline; the client stays open.
func New(client goredis.UniversalClient, opts ...Option) (*Flash, error) {
	f := &Flash{client: client, prefix: "shopgraph:inventory", retention: 24 * time.Hour, closeHot: func() error { return nil }}
	for _, o := range opts {
		o(f)
	}
	if strings.ContainsAny(f.prefix, "{}") {
		return nil, fmt.Errorf("redis key prefix %q must not contain braces", f.prefix)
	}
	if f.hot == nil {
		f.hot = client
		if c, ok := client.(interface {
			AutoPipeline() (*goredis.AutoPipeliner, error)
		}); ok {
			ap, err := c.AutoPipeline()
			if err != nil {
				return nil, fmt.Errorf("start the reservation pipeline: %w", err)
			}
			f.hot, f.closeHot = ap, ap.Close
		}
	}
	return f, nil
}

// Close stops the reservation pipeline after the scripts already sent.
func (f *Flash) Close() error { return f.closeHot() }

// tagEscaper keeps braces out of a hash tag (a SKU "}{" would otherwise end it empty and
// scatter the SKU's keys over the cluster); escaping '%' too keeps distinct SKUs distinct.
var tagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

// keys returns the keys of a SKU in the order the scripts expect.
func (f *Flash) keys(sku string) []string {
	base := f.prefix + ":sku:{" + tagEscaper.Replace(sku) + "}:"
	return []string{base + "stock", base + "holds", base + "expiry", base + "done", base + "log"}
}

func (f *Flash) orderKey(orderID string) string {
	return f.prefix + ":order:{" + tagEscaper.Replace(orderID) + "}"
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// encode writes a hold the way the scripts store it.
func encode(h inventory.Hold) string {
	return strings.Join([]string{h.ID, h.FulfillmentCenterID, strconv.Itoa(h.Quantity), ms(h.ExpiresAt), h.Status, "0"}, "|")
}

// decode reads a hold the scripts stored.
func decode(orderID, sku, v string) (inventory.Hold, error) {
	parts := strings.Split(v, "|")
	if len(parts) != 6 {
		return inventory.Hold{}, fmt.Errorf("malformed hold %q of order %s", v, orderID)
	}
	q, err1 := strconv.Atoi(parts[2])
	exp, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return inventory.Hold{}, fmt.Errorf("malformed hold %q of order %s: %w", v, orderID, err)
	}
	return inventory.Hold{ID: parts[0], OrderID: orderID, SKU: sku, FulfillmentCenterID: parts[1],
		Quantity: q, Status: parts[4], ExpiresAt: time.UnixMilli(exp).UTC()}, nil
}

// reply splits a script's {status, value} reply.
func reply(v any) (status string, value any, err error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return "", nil, fmt.Errorf("unexpected script reply %v", v)
	}
	status, _ = arr[0].(string)
	if len(arr) > 1 {
		value = arr[1]
	}
	return status, value, nil
}

// Reserve takes a hold for one line, or returns the order's existing hold of the SKU.
func (f *Flash) Reserve(ctx context.Context, r inventory.FlashReserve) (inventory.Hold, error) {
	args := make([]any, 0, 5+len(r.Centers))
	args = append(args, r.OrderID, r.Line.Quantity, r.HoldID, ms(r.Now), ms(r.ExpiresAt))
	for _, c := range r.Centers {
		args = append(args, c)
	}
	res, err := reserveScript.Run(ctx, f.hot, f.keys(r.Line.SKU), args...).Result()
	if err != nil {
		return inventory.Hold{}, fmt.Errorf("reserve %s: %w", r.Line.SKU, err)
	}
	status, value, err := reply(res)
	if err != nil {
		return inventory.Hold{}, err
	}
	switch status {
	case "NOT_LOADED":
		return inventory.Hold{}, inventory.ErrNotHot
	case "OUT":
		best, _ := value.(int64)
		return inventory.Hold{}, &inventory.OutOfStockError{Lines: []inventory.UnavailableLine{
			{SKU: r.Line.SKU, Requested: r.Line.Quantity, Available: int(best)}}}
	case "OK", "EXISTS":
		s, _ := value.(string)
		h, err := decode(r.OrderID, r.Line.SKU, s)
		if err != nil {
			return h, err
		}
		if h.Status == inventory.HoldActive {
			// Index the order after the hold (see the package comment); an existing hold is
			// indexed again in case a process stopped between the two.
			ttl := time.Until(h.ExpiresAt) + f.retention
			err = indexScript.Run(ctx, f.hot, []string{f.orderKey(r.OrderID)}, r.Line.SKU, ttl.Milliseconds()).Err()
			if err != nil {
				return h, fmt.Errorf("index order %s: %w", r.OrderID, err)
			}
		}
		return h, nil
	}
	return inventory.Hold{}, fmt.Errorf("reserve %s: unexpected reply %v", r.Line.SKU, res)
}

// Undo gives back a hold taken by a reservation that failed on another line. It returns
// inventory.ErrNotHot when the SKU is not loaded (paused or moved back to Postgres, which then
// has the hold).
func (f *Flash) Undo(ctx context.Context, orderID, sku string) error {
	res, err := undoScript.Run(ctx, f.client, f.keys(sku), orderID).Text()
	if err != nil {
		return fmt.Errorf("undo hold of %s for order %s: %w", sku, orderID, err)
	}
	if res == "NOT_LOADED" {
		return inventory.ErrNotHot
	}
	return nil
}

// Confirm confirms every hold of the order. Holds are confirmed SKU by SKU: if one expired,
// the others are still confirmed, and the error names the order.
func (f *Flash) Confirm(ctx context.Context, orderID string, now time.Time) ([]inventory.Hold, []string, error) {
	return f.settle(ctx, orderID, now, confirmScript, func(status string) error {
		switch status {
		case "RELEASED":
			return &inventory.HoldStateError{Code: inventory.CodeHoldsReleased, OrderID: orderID,
				Message: fmt.Sprintf("the holds of order %s were released and cannot be confirmed", orderID)}
		case "EXPIRED":
			return &inventory.HoldStateError{Code: inventory.CodeHoldsExpired, OrderID: orderID,
				Message: fmt.Sprintf("the holds of order %s expired before they were confirmed", orderID)}
		}
		return nil
	})
}

// Release releases every active hold of the order, or refuses when one was confirmed.
func (f *Flash) Release(ctx context.Context, orderID string, now time.Time) ([]inventory.Hold, []string, error) {
	return f.settle(ctx, orderID, now, releaseScript, func(status string) error {
		if status == "CONFIRMED" {
			return &inventory.HoldStateError{Code: inventory.CodeHoldsConfirmed, OrderID: orderID,
				Message: fmt.Sprintf("the holds of order %s were confirmed; return the units instead", orderID)}
		}
		return nil
	})
}

func (f *Flash) settle(ctx context.Context, orderID string, now time.Time, script *goredis.Script, refuse func(status string) error) ([]inventory.Hold, []string, error) {
	skus, err := f.client.SMembers(ctx, f.orderKey(orderID)).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("read skus of order %s: %w", orderID, err)
	}
	var holds []inventory.Hold
	var notLoaded []string
	var refusals []error
	for _, sku := range skus {
		res, err := script.Run(ctx, f.client, f.keys(sku), orderID, ms(now)).Result()
		if err != nil {
			return nil, nil, fmt.Errorf("settle %s of order %s: %w", sku, orderID, err)
		}
		status, value, err := reply(res)
		if err != nil {
			return nil, nil, err
		}
		switch status {
		case "NOT_LOADED":
			notLoaded = append(notLoaded, sku)
			continue
		case "NONE":
			continue
		}
		if err := refuse(status); err != nil {
			refusals = append(refusals, err)
		}
		s, _ := value.(string)
		h, err := decode(orderID, sku, s)
		if err != nil {
			return nil, nil, err
		}
		holds = append(holds, h)
	}
	if len(refusals) > 0 {
		return nil, nil, refusals[0]
	}
	return holds, notLoaded, nil
}

// Holds lists the order's holds in Redis.
func (f *Flash) Holds(ctx context.Context, orderID string) ([]inventory.Hold, error) {
	skus, err := f.client.SMembers(ctx, f.orderKey(orderID)).Result()
	if err != nil {
		return nil, fmt.Errorf("read skus of order %s: %w", orderID, err)
	}
	var holds []inventory.Hold
	for _, sku := range skus {
		v, err := f.client.HGet(ctx, f.keys(sku)[1], orderID).Result()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read hold of %s for order %s: %w", sku, orderID, err)
		}
		h, err := decode(orderID, sku, v)
		if err != nil {
			return nil, err
		}
		holds = append(holds, h)
	}
	return holds, nil
}

// sweepLimit bounds the holds one sweep script releases, so that it never blocks Redis long.
const sweepLimit = 1000

// Expire releases the SKU's holds that expired by asOf and forgets settled holds older than
// the retention.
func (f *Flash) Expire(ctx context.Context, sku string, asOf time.Time) (int, error) {
	total := 0
	for {
		n, err := sweepScript.Run(ctx, f.client, f.keys(sku), ms(asOf), ms(asOf.Add(-f.retention)), sweepLimit).Int()
		switch {
		case err != nil:
			return total, fmt.Errorf("sweep %s: %w", sku, err)
		case n < 0:
			return total, inventory.ErrNotHot
		}
		total += n
		if n < sweepLimit {
			return total, nil
		}
	}
}

// Pending returns events of the SKU not yet written to Postgres, oldest first.
func (f *Flash) Pending(ctx context.Context, sku, after string, max int) ([]inventory.FlashEvent, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}
	msgs, err := f.client.XRangeN(ctx, f.keys(sku)[4], start, "+", int64(max)).Result()
	if err != nil {
		return nil, fmt.Errorf("read log of %s: %w", sku, err)
	}
	events := make([]inventory.FlashEvent, len(msgs))
	for i, m := range msgs {
		op, _ := m.Values["op"].(string)
		order, _ := m.Values["o"].(string)
		v, _ := m.Values["h"].(string)
		h, err := decode(order, sku, v)
		if err != nil {
			return nil, fmt.Errorf("log entry %s of %s: %w", m.ID, sku, err)
		}
		events[i] = inventory.FlashEvent{ID: m.ID, Op: op, Hold: h}
	}
	return events, nil
}

// Ack deletes events that Postgres has.
func (f *Flash) Ack(ctx context.Context, sku string, events []inventory.FlashEvent) error {
	if len(events) == 0 {
		return nil
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	if err := f.client.XDel(ctx, f.keys(sku)[4], ids...).Err(); err != nil {
		return fmt.Errorf("ack %d events of %s: %w", len(ids), sku, err)
	}
	return nil
}

// Pause stops the SKU's scripts: they answer NOT_LOADED until Load and Resume.
func (f *Flash) Pause(ctx context.Context, sku string) error {
	return f.client.HSet(ctx, f.keys(sku)[0], "state", "paused").Err()
}

// Load replaces the SKU's counters and holds with Postgres' snapshot, leaving the SKU paused
// until Resume with the token it returns.
func (f *Flash) Load(ctx context.Context, snap inventory.HotSnapshot) (string, error) {
	token := ulid.Make().String()
	args := []any{token, len(snap.OnHand)}
	for center, onHand := range snap.OnHand {
		args = append(args, center, onHand)
	}
	for _, h := range snap.Holds {
		args = append(args, h.OrderID, encode(h))
	}
	if err := loadScript.Run(ctx, f.client, f.keys(snap.SKU), args...).Err(); err != nil {
		return "", fmt.Errorf("load %s: %w", snap.SKU, err)
	}
	// Orders whose holds were taken on the Postgres path are confirmed through the index too.
	for _, h := range snap.Holds {
		ttl := time.Until(h.ExpiresAt) + f.retention
		if err := indexScript.Run(ctx, f.hot, []string{f.orderKey(h.OrderID)}, snap.SKU, ttl.Milliseconds()).Err(); err != nil {
			return "", fmt.Errorf("index orders of %s: %w", snap.SKU, err)
		}
	}
	return token, nil
}

// Resume starts the scripts of a SKU that Load loaded with token; it does nothing when the
// SKU was paused, dropped or loaded again since.
func (f *Flash) Resume(ctx context.Context, sku, token string) error {
	if err := resumeScript.Run(ctx, f.client, f.keys(sku)[:1], token).Err(); err != nil {
		return fmt.Errorf("resume %s: %w", sku, err)
	}
	return nil
}

// Drop forgets the SKU's counters and holds. Its log stays: events drained by a switch are
// acknowledged only once Postgres committed them.
func (f *Flash) Drop(ctx context.Context, sku string) error {
	return f.client.Del(ctx, f.keys(sku)[:4]...).Err()
}

// Loaded reports, per SKU, whether it is loaded and running.
func (f *Flash) Loaded(ctx context.Context, skus []string) ([]bool, error) {
	cmds := make([]*goredis.StringCmd, len(skus))
	_, err := f.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, sku := range skus {
			cmds[i] = p.HGet(ctx, f.keys(sku)[0], "state")
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("read state of %d skus: %w", len(skus), err)
	}
	out := make([]bool, len(skus))
	for i, c := range cmds {
		out[i] = c.Val() == "on"
	}
	return out, nil
}

// Counters returns the SKU's units on hand and held per center, as Redis has them (for
// diagnostics and tests).
func (f *Flash) Counters(ctx context.Context, sku string) (onHand, held map[string]int, err error) {
	fields, err := f.client.HGetAll(ctx, f.keys(sku)[0]).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("read counters of %s: %w", sku, err)
	}
	onHand, held = map[string]int{}, map[string]int{}
	for k, v := range fields {
		n, _ := strconv.Atoi(v)
		if c, ok := strings.CutPrefix(k, "on:"); ok {
			onHand[c] = n
		} else if c, ok := strings.CutPrefix(k, "rs:"); ok {
			held[c] = n
		}
	}
	return onHand, held, nil
}
