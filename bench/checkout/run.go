package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const opCheckout = `mutation($in: CheckoutInput!) {
  checkout(input: $in) { order { id status payment { status } } userErrors { code message } }
}`

const opOrder = `query($id: ID!) {
  order(id: $id) { id status total { amount currency } payment { status capturedAmount { amount currency } } }
}`

// outcome is what one checkout returned and how long it took.
type outcome struct {
	latency time.Duration
	// code is PAID for a paid order, else the first userErrors code, the order status when
	// neither, or the transport/GraphQL error code; NOT_RUN when the time budget ran out.
	code          string
	orderID       string
	status        string
	paymentStatus string
}

// shippingAddress is near the center stock is added at (NL-RTM), so every line ships from there.
var shippingAddress = map[string]any{
	"name": "Ada Bench", "line1": "Dam 1", "city": "Amsterdam", "postalCode": "1012",
	"country": "NL", "latitude": 52.37, "longitude": 4.89,
}

func checkout(ctx context.Context, c *client, ct cart, key string) outcome {
	var out struct {
		Checkout struct {
			Order *struct {
				ID      string `json:"id"`
				Status  string `json:"status"`
				Payment *struct {
					Status string `json:"status"`
				} `json:"payment"`
			} `json:"order"`
			UserErrors []userError `json:"userErrors"`
		} `json:"checkout"`
	}
	vars := map[string]any{"in": map[string]any{
		"cartId":          ct.id,
		"idempotencyKey":  key,
		"shippingAddress": shippingAddress,
		"paymentMethod":   map[string]any{"cardNumber": "4242424242424242"},
	}}
	start := time.Now()
	err := c.do(ctx, ct.who, opCheckout, vars, &out)
	o := outcome{latency: time.Since(start)}
	var re *requestError
	switch {
	case errors.As(err, &re):
		o.code = re.code
		return o
	case err != nil:
		o.code = "DECODE"
		return o
	}
	if ord := out.Checkout.Order; ord != nil {
		o.orderID, o.status = ord.ID, ord.Status
		if ord.Payment != nil {
			o.paymentStatus = ord.Payment.Status
		}
	}
	switch {
	case len(out.Checkout.UserErrors) > 0:
		o.code = out.Checkout.UserErrors[0].Code
	case o.status != "":
		o.code = o.status
	default:
		o.code = "NO_ORDER"
	}
	return o
}

// runCheckouts checks out every cart with `workers` concurrent callers, each cart once, until
// the carts run out or the budget ends. Keys are unique per run, so a repeated run never
// replays an earlier outcome.
func runCheckouts(ctx context.Context, c *client, carts []cart, workers int, budget time.Duration, runID string) ([]outcome, time.Duration) {
	outs := make([]outcome, len(carts))
	for i := range outs {
		outs[i].code = "NOT_RUN"
	}
	// The budget stops new checkouts; one under way finishes (within the client's timeout),
	// so its outcome is the store's, not an artefact of the cut-off.
	deadline := time.Now().Add(budget)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(carts) || ctx.Err() != nil || time.Now().After(deadline) {
					return
				}
				outs[i] = checkout(ctx, c, carts[i], fmt.Sprintf("bench-%s-%d", runID, i))
			}
		}()
	}
	wg.Wait()
	return outs, time.Since(start)
}

// summary is the result table of one timed run.
type summary struct {
	attempted     int
	paid          int
	p50, p95, p99 time.Duration
	max           time.Duration
	codes         map[string]int
	// paidNotCaptured counts PAID orders whose payment the checkout answer did not show CAPTURED.
	paidNotCaptured int
}

func summarize(outs []outcome) summary {
	s := summary{codes: map[string]int{}}
	lat := make([]time.Duration, 0, len(outs))
	for _, o := range outs {
		if o.code == "NOT_RUN" {
			s.codes[o.code]++
			continue
		}
		s.attempted++
		lat = append(lat, o.latency)
		if o.code == "PAID" {
			s.paid++
			if o.paymentStatus != "CAPTURED" {
				s.paidNotCaptured++
			}
			continue
		}
		s.codes[o.code]++
	}
	slices.Sort(lat)
	s.p50, s.p95, s.p99 = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	if len(lat) > 0 {
		s.max = lat[len(lat)-1]
	}
	return s
}

// percentile is the nearest-rank percentile of sorted durations (0 for none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// verification is what re-reading orders through the gateway found.
type verification struct {
	checked    int
	violations []string
}

// paidOrLater are the statuses a paid order may have moved on to by the time it is re-read
// (fulfillment starts in the background).
var paidOrLater = map[string]bool{"PAID": true, "FULFILLING": true, "SHIPPED": true, "DELIVERED": true}

// verifyOrders re-reads up to sample PAID orders of customers' carts through the gateway and
// checks each is still paid (or further along) with its payment CAPTURED for the order total. Guests cannot read
// orders, so their orders are checked only in the checkout answer (see summary).
func verifyOrders(ctx context.Context, c *client, carts []cart, outs []outcome, sample int, seed uint64) verification {
	var idx []int
	for i, o := range outs {
		if o.code == "PAID" && carts[i].who.bearer != "" {
			idx = append(idx, i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	idx = idx[:min(sample, len(idx))]
	var v verification
	for _, i := range idx {
		var out struct {
			Order *struct {
				Status string `json:"status"`
				Total  struct {
					Amount   int    `json:"amount"`
					Currency string `json:"currency"`
				} `json:"total"`
				Payment *struct {
					Status         string `json:"status"`
					CapturedAmount struct {
						Amount   int    `json:"amount"`
						Currency string `json:"currency"`
					} `json:"capturedAmount"`
				} `json:"payment"`
			} `json:"order"`
		}
		v.checked++
		err := c.do(ctx, carts[i].who, opOrder, map[string]any{"id": outs[i].orderID}, &out)
		switch {
		case err != nil:
			v.violations = append(v.violations, fmt.Sprintf("order %s: %v", outs[i].orderID, err))
		case out.Order == nil:
			v.violations = append(v.violations, fmt.Sprintf("order %s: not found", outs[i].orderID))
		case !paidOrLater[out.Order.Status]:
			v.violations = append(v.violations, fmt.Sprintf("order %s: status %s, want PAID or later", outs[i].orderID, out.Order.Status))
		case out.Order.Payment == nil || out.Order.Payment.Status != "CAPTURED":
			v.violations = append(v.violations, fmt.Sprintf("order %s: PAID without a CAPTURED payment", outs[i].orderID))
		case out.Order.Payment.CapturedAmount != out.Order.Total:
			v.violations = append(v.violations, fmt.Sprintf("order %s: captured %d %s, total %d %s", outs[i].orderID,
				out.Order.Payment.CapturedAmount.Amount, out.Order.Payment.CapturedAmount.Currency,
				out.Order.Total.Amount, out.Order.Total.Currency))
		}
	}
	return v
}
