// Command checkout load-tests the whole store through the gateway: N checkouts by C concurrent
// shoppers, or (-flash) a flash sale where many shoppers race for a few units of one hot SKU.
//
//	go run ./bench/checkout -url http://127.0.0.1:4000/graphql -n 1000 -c 32
//	go run ./bench/checkout -flash -units 100 -attempts 2000 -c 64
//
// Carts are prepared before the clock starts (sign-in, cart, lines, stock), so the timed phase
// is checkout alone. Stock is prepared through the gateway as staff (restock and setHotSku are
// staff-only): -staff-email and -staff-password default to the account `shopgraph seed` adds. It prints markdown tables ready for docs/benchmarks.md and exits non-zero
// when an invariant fails (a paid order without a captured payment, an oversold SKU).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"
)

type options struct {
	url       string
	n, c      int
	customers int
	password  string
	staff     credentials
	maxLines  int
	skus      int
	setupC    int
	budget    time.Duration
	verify    int
	seed      uint64
	flash     bool
	units     int
	attempts  int
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:4000/graphql", "the gateway's GraphQL endpoint (loopback only)")
	flag.IntVar(&o.n, "n", 1000, "checkouts in the timed phase")
	flag.IntVar(&o.c, "c", 32, "concurrent checkouts")
	flag.IntVar(&o.customers, "customers", 0, "check out as customer1 … customerN (seed them with shopgraph seed --customers N); 0 uses guest carts, whose orders cannot be re-read")
	flag.StringVar(&o.password, "password", "shopgraph", "the demo customers' password")
	flag.StringVar(&o.staff.email, "staff-email", defaultStaffEmail, "the staff account that restocks and switches the hot SKU (restock and setHotSku are staff-only)")
	flag.StringVar(&o.staff.password, "staff-password", defaultStaffPassword, "the staff account's password")
	flag.IntVar(&o.maxLines, "lines", 3, "each cart holds 1 to this many lines of one unit")
	flag.IntVar(&o.skus, "skus", 60, "how many SKUs the carts draw from")
	flag.IntVar(&o.setupC, "setup-c", 8, "concurrency of the untimed setup")
	flag.DurationVar(&o.budget, "timeout", 5*time.Minute, "the timed phase stops after this long; checkouts not started are reported as NOT_RUN")
	flag.IntVar(&o.verify, "verify", 200, "paid orders re-read through the gateway after the run (customers only)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the cart contents (the same seed draws the same carts)")
	flag.BoolVar(&o.flash, "flash", false, "flash sale: -attempts shoppers race for -units units of one hot SKU")
	flag.IntVar(&o.units, "units", 100, "flash sale: units restocked on the hot SKU")
	flag.IntVar(&o.attempts, "attempts", 2000, "flash sale: checkouts of one unit, each from its own guest cart")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if err = o.validate(); err == nil {
		if o.flash {
			err = runFlash(ctx, o)
		} else {
			err = runLoad(ctx, o)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench checkout:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	u, err := url.Parse(o.url)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	// A load test against someone else's store is an attack: refuse anything but this machine.
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %s: only loopback addresses are allowed", o.url)
	}
	switch {
	case o.n < 1 || o.n > 100_000:
		return errors.New("-n must be 1 to 100000")
	case o.c < 1 || o.c > 1024:
		return errors.New("-c must be 1 to 1024")
	case o.setupC < 1 || o.setupC > 256:
		return errors.New("-setup-c must be 1 to 256")
	case o.maxLines < 1 || o.maxLines > 10:
		return errors.New("-lines must be 1 to 10")
	case o.skus < 1:
		return errors.New("-skus must be at least 1")
	case o.customers < 0:
		return errors.New("-customers must not be negative")
	case o.customers > 0 && o.n > o.customers:
		return fmt.Errorf("-n %d needs as many customers (each has one cart): -customers %d", o.n, o.customers)
	case o.units < 1 || o.attempts < 1 || o.attempts > 100_000:
		return errors.New("-units must be at least 1 and -attempts 1 to 100000")
	case o.budget <= 0 || o.budget > 30*time.Minute:
		return errors.New("-timeout must be positive and at most 30m")
	case o.staff.email == "" || o.staff.password == "":
		return errors.New("-staff-email and -staff-password must not be empty: stock is prepared as staff")
	}
	return nil
}

// runLoad is the steady checkout benchmark.
func runLoad(ctx context.Context, o options) error {
	c := newClient(o.url, max(o.c, o.setupC))
	setupStart := time.Now()
	skus, err := catalogSKUs(ctx, c)
	if err != nil {
		return err
	}
	pool := largestCurrency(skus)
	// The last SKU is kept for flash sales, whose hot path would skew this run.
	if len(pool) > 1 {
		pool = pool[:len(pool)-1]
	}
	pool = pool[:min(o.skus, len(pool))]
	fc, err := centerID(ctx, c, "NL-RTM")
	if err != nil {
		return err
	}
	staff, err := signInStaff(ctx, c, o.staff)
	if err != nil {
		return err
	}
	names := make([]string, len(pool))
	for i, s := range pool {
		names[i] = s.SKU
		// Each cart takes at most one unit of a SKU: n units each rule out OUT_OF_STOCK.
		if err := restock(ctx, c, staff, s.SKU, fc, o.n); err != nil {
			return err
		}
		if err := setHot(ctx, c, staff, s.SKU, false); err != nil && !isFlashDisabled(err) {
			return err
		}
	}
	var tokens []string
	if o.customers > 0 {
		if tokens, err = loginAll(ctx, c, o.n, o.setupC, o.password); err != nil {
			return err
		}
	}
	carts, err := prepareCarts(ctx, c, o.n, o.setupC, o.maxLines, names, tokens, o.seed)
	if err != nil {
		return err
	}
	setup := time.Since(setupStart)
	kind := "guest carts"
	if tokens != nil {
		kind = "customer carts"
	}
	// Printed before the timed phase, so that a watcher (pg_stat_statements, perf) can start there.
	fmt.Printf("setup: %d %s over %d SKUs (1–%d lines of one unit) in %s\n\n", o.n, kind, len(names), o.maxLines, setup.Round(time.Millisecond))

	probe := newCPUProbe(o.url)
	before := probe.snapshot()
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	outs, took := runCheckouts(ctx, c, carts, o.c, o.budget, runID)
	after := probe.snapshot()
	s := summarize(outs)
	v := verifyOrders(ctx, c, carts, outs, o.verify, o.seed)

	fmt.Println("| N | C | duration | checkouts/s | p50 | p95 | p99 | max | PAID | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	fmt.Printf("| %d | %d | %s | %.0f | %s | %s | %s | %s | %d | %s |\n", o.n, o.c, took.Round(time.Millisecond),
		float64(s.attempted)/took.Seconds(), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), s.paid, formatCodes(s.codes))
	fmt.Println()
	probe.print(before, after, took, s.attempted)
	fmt.Printf("invariants: %d PAID answers, %d without a CAPTURED payment; %d orders re-read through the gateway, %d violations\n",
		s.paid, s.paidNotCaptured, v.checked, len(v.violations))
	for _, msg := range v.violations[:min(10, len(v.violations))] {
		fmt.Println("  ", msg)
	}
	if s.paidNotCaptured > 0 || len(v.violations) > 0 {
		return errors.New("invariants violated")
	}
	return nil
}

// runFlash is the flash sale: one hot SKU with a known stock, and more shoppers than units.
func runFlash(ctx context.Context, o options) error {
	c := newClient(o.url, max(o.c, o.setupC))
	skus, err := catalogSKUs(ctx, c)
	if err != nil {
		return err
	}
	pool := largestCurrency(skus)
	hot := pool[len(pool)-1].SKU
	fc, err := centerID(ctx, c, "NL-RTM")
	if err != nil {
		return err
	}
	staff, err := signInStaff(ctx, c, o.staff)
	if err != nil {
		return err
	}
	if err := restock(ctx, c, staff, hot, fc, o.units); err != nil {
		return err
	}
	// Switching on after the restock derives the flash-sale counters from the stock now.
	if err := setHot(ctx, c, staff, hot, true); err != nil {
		return err
	}
	defer func() {
		// Back to Postgres, leaving the store as it was found but for the units sold.
		if err := setHot(context.WithoutCancel(ctx), c, staff, hot, false); err != nil {
			fmt.Fprintln(os.Stderr, "bench checkout: switch the hot SKU back:", err)
		}
	}()
	stock, _, err := available(ctx, c, hot)
	if err != nil {
		return err
	}
	carts, err := prepareCarts(ctx, c, o.attempts, o.setupC, 1, []string{hot}, nil, o.seed)
	if err != nil {
		return err
	}

	probe := newCPUProbe(o.url)
	before := probe.snapshot()
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	outs, took := runCheckouts(ctx, c, carts, o.c, o.budget, runID)
	cpuAfter := probe.snapshot()
	s := summarize(outs)
	// Read at once, while the SKU is still hot: availability counts the flash-sale path's
	// sales as they happen, not when the flusher writes them to Postgres.
	after, inStock, err := available(ctx, c, hot)
	if err != nil {
		return err
	}

	fmt.Printf("flash sale: SKU %s on the hot path, %d units in stock (restocked %d), %d shoppers with one unit each\n\n", hot, stock, o.units, o.attempts)
	fmt.Println("| attempts | C | duration | attempts/s | p50 | p95 | p99 | PAID | OUT_OF_STOCK | other | stock after |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	oos := s.codes["OUT_OF_STOCK"]
	other := map[string]int{}
	for k, v := range s.codes {
		if k != "OUT_OF_STOCK" {
			other[k] = v
		}
	}
	fmt.Printf("| %d | %d | %s | %.0f | %s | %s | %s | %d | %d | %s | %d |\n", s.attempted, o.c, took.Round(time.Millisecond),
		float64(s.attempted)/took.Seconds(), ms(s.p50), ms(s.p95), ms(s.p99), s.paid, oos, formatCodes(other), after)
	fmt.Println()
	probe.print(before, cpuAfter, took, s.attempted)

	var problems []string
	// Exactly min(stock, attempts) must sell; a checkout failing for another reason (a
	// transport error, say) leaves its unit unsold, so then only "no more" can be checked.
	want := min(stock, s.attempted)
	if len(other) > 0 {
		fmt.Printf("note: %d checkouts failed for other reasons; checking only that at most %d sold\n", s.attempted-s.paid-oos, want)
	} else if s.paid != want {
		problems = append(problems, fmt.Sprintf("%d orders paid, want min(stock %d, attempts %d) = %d", s.paid, stock, s.attempted, want))
	}
	if s.paid > stock {
		problems = append(problems, fmt.Sprintf("oversold: %d orders paid for %d units", s.paid, stock))
	}
	if after != stock-s.paid {
		problems = append(problems, fmt.Sprintf("stock after is %d, want %d − %d = %d", after, stock, s.paid, stock-s.paid))
	}
	if inStock != (after > 0) {
		problems = append(problems, fmt.Sprintf("inStock is %v with %d units available", inStock, after))
	}
	if s.paidNotCaptured > 0 {
		problems = append(problems, fmt.Sprintf("%d PAID orders without a CAPTURED payment", s.paidNotCaptured))
	}
	if len(problems) == 0 {
		fmt.Printf("invariants: %d paid = min(stock, attempts), no oversell, stock after = %d (inStock %v) read at once, every PAID answer shows a CAPTURED payment\n", s.paid, after, inStock)
		return nil
	}
	for _, p := range problems {
		fmt.Println("invariant violated:", p)
	}
	return errors.New("invariants violated")
}

// isFlashDisabled tells a store without a flash-sale path, where no SKU can be hot anyway.
func isFlashDisabled(err error) bool {
	return strings.Contains(err.Error(), "FLASH_SALE_DISABLED")
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

// formatCodes lists error counts by code, most frequent first ("none" when empty).
func formatCodes(codes map[string]int) string {
	if len(codes) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if codes[keys[i]] != codes[keys[j]] {
			return codes[keys[i]] > codes[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, codes[k])
	}
	return strings.Join(parts, ", ")
}
