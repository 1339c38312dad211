// Command search measures product search on a running store (`shopgraph serve` over a seeded
// catalog): the benchmark's fixed query mix sent straight to the search subgraph and through
// the gateway with the catalog's and inventory's fields on every node, one query at a time,
// and freshness: how long after a restock commits a search shows the product as in stock.
//
//	go run ./bench/search -url http://127.0.0.1:4000 -n 200 -fresh 30
//
// It prints markdown tables ready for docs/benchmarks.md.
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
	"slices"
	"time"
)

type options struct {
	base    string
	n       int
	warmup  int
	fresh   int
	timeout time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.base, "url", "http://127.0.0.1:4000", "the serve process (loopback only): the gateway at /graphql, the search subgraph at /subgraphs/search/graphql")
	flag.IntVar(&o.n, "n", 200, "runs of each query of the mix, on each path")
	flag.IntVar(&o.warmup, "warmup", 10, "untimed runs of each query first")
	flag.IntVar(&o.fresh, "fresh", 30, "restocks of out-of-stock products timed until search shows them in stock (0: none)")
	flag.DurationVar(&o.timeout, "fresh-timeout", 10*time.Second, "longest wait for one restock to show")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench search:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	u, err := url.Parse(o.base)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	// A load test against someone else's store is an attack: refuse anything but this machine.
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %s: only loopback addresses are allowed", o.base)
	}
	if o.n < 1 || o.n > 100_000 || o.warmup < 0 || o.fresh < 0 || o.fresh > 1000 {
		return errors.New("-n must be 1 to 100000, -warmup not negative, -fresh 0 to 1000")
	}
	gateway := newClient(o.base + "/graphql")
	direct := newClient(o.base + "/subgraphs/search/graphql")

	root, total, err := rootCategory(ctx, gateway)
	if err != nil {
		return err
	}
	fmt.Printf("store: %d products in the search index; %d runs of each query per path, one at a time\n\n", total, o.n)
	fmt.Println("| query | direct p50 | direct p99 | gateway p50 | gateway p99 |")
	fmt.Println("|---|---|---|---|---|")
	var allDirect, allGateway []time.Duration
	for _, q := range mix(root) {
		d, err := measure(ctx, direct, q, q.direct, o)
		if err != nil {
			return fmt.Errorf("%s direct: %w", q.name, err)
		}
		g, err := measure(ctx, gateway, q, q.gateway, o)
		if err != nil {
			return fmt.Errorf("%s through the gateway: %w", q.name, err)
		}
		allDirect, allGateway = append(allDirect, d...), append(allGateway, g...)
		printRow(q.name, d, g)
	}
	printRow("mix (all of the above)", allDirect, allGateway)

	if o.fresh > 0 {
		fmt.Println()
		return freshness(ctx, gateway, direct, o)
	}
	return nil
}

func measure(ctx context.Context, c *client, q query, op string, o options) ([]time.Duration, error) {
	for range o.warmup {
		if err := c.do(ctx, op, q.vars, nil); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, 0, o.n)
	for range o.n {
		start := time.Now()
		if err := c.do(ctx, op, q.vars, nil); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}

func printRow(name string, direct, gateway []time.Duration) {
	d50, d99 := percentiles(direct)
	g50, g99 := percentiles(gateway)
	fmt.Printf("| %s | %s | %s | %s | %s |\n", name, ms(d50), ms(d99), ms(g50), ms(g99))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}
