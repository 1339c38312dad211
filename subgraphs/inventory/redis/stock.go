package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// Stock reads the counters of skus for availability in one pipeline (on a cluster, one per
// node, in parallel). Each SKU is one read-only script over its own slot, which nets out holds
// that expired but were not swept yet (beyond sweepLimit of them a SKU is under-reported, never
// over-reported, until the sweep).
func (f *Flash) Stock(ctx context.Context, skus []string, asOf time.Time) ([]inventory.FlashStock, error) {
	if len(skus) == 0 {
		return nil, nil
	}
	cmds, err := f.readStock(ctx, skus, asOf, true)
	if goredis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or dropped its scripts: send the text, which caches it again.
		cmds, err = f.readStock(ctx, skus, asOf, false)
	}
	if err != nil {
		return nil, fmt.Errorf("read stock of %d skus: %w", len(skus), err)
	}
	out := make([]inventory.FlashStock, len(skus))
	for i, c := range cmds {
		fields, err := c.StringSlice()
		if err != nil {
			return nil, fmt.Errorf("read stock of %s: %w", skus[i], err)
		}
		if out[i], err = parseStock(fields); err != nil {
			return nil, fmt.Errorf("read stock of %s: %w", skus[i], err)
		}
	}
	return out, nil
}

func (f *Flash) readStock(ctx context.Context, skus []string, asOf time.Time, bySHA bool) ([]*goredis.Cmd, error) {
	cmds := make([]*goredis.Cmd, len(skus))
	now := ms(asOf)
	_, err := f.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, sku := range skus {
			keys := f.keys(sku)[:3]
			if bySHA {
				cmds[i] = stockScript.EvalSha(ctx, p, keys, now, sweepLimit)
			} else {
				cmds[i] = stockScript.Eval(ctx, p, keys, now, sweepLimit)
			}
		}
		return nil
	})
	return cmds, err
}

// parseStock reads stockScript's reply: field and value pairs.
func parseStock(fields []string) (inventory.FlashStock, error) {
	if len(fields) == 0 {
		return inventory.FlashStock{}, nil
	}
	if len(fields)%2 != 0 {
		return inventory.FlashStock{}, fmt.Errorf("malformed counters %q", fields)
	}
	fs := inventory.FlashStock{OnHand: map[string]int{}, Held: map[string]int{}}
	for i := 0; i < len(fields); i += 2 {
		k, v := fields[i], fields[i+1]
		if k == "state" {
			fs.Loaded = v == "on"
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return inventory.FlashStock{}, fmt.Errorf("malformed counter %s=%q", k, v)
		}
		if c, ok := strings.CutPrefix(k, "on:"); ok {
			fs.OnHand[c] = n
		} else if c, ok := strings.CutPrefix(k, "rs:"); ok {
			fs.Held[c] += n
		} else if c, ok := strings.CutPrefix(k, "ex:"); ok {
			fs.Held[c] -= n
		}
	}
	for c, n := range fs.Held {
		fs.Held[c] = max(0, n)
	}
	return fs, nil
}
