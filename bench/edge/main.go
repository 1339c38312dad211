// Command edge measures the gateway's edge against the running store (`make run`): a persisted
// query sent as a GET with its hash only, answered without a response cache, from the
// in-process tier and from the Redis tier; and the partner endpoint, whose every request
// checks an API key, a cost ceiling and a Redis quota, beside the same query on /graphql.
//
//	make run                    # in another terminal
//	go run ./bench/edge -bin bin/shopgraph
//
// It starts one `shopgraph gateway` per configuration on loopback ports, over the store's own
// subgraphs, and prints a markdown table ready for docs/benchmarks.md.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/shopgraph/shopgraph/bench/load"
)

// query is a storefront listing: catalog fields (PUBLIC, 60 s) of 20 products.
const query = `query Listing { products(first: 20) { edges { node { id title brand { name } priceRange { min { amount currency } } variants { sku price { amount currency } } } } } }`

type options struct {
	bin, store, dataDir string
	c                   int
	warmup, duration    time.Duration
}

type setup struct {
	name, note string
	flags      []string
	port       int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/shopgraph", "the shopgraph binary")
	flag.StringVar(&o.store, "store", "http://127.0.0.1:4000", "the running store (make run)")
	flag.StringVar(&o.dataDir, "data", ".data/bench", "where the supergraph and logs go")
	flag.IntVar(&o.c, "c", 16, "concurrent clients")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up per run")
	flag.DurationVar(&o.duration, "d", 8*time.Second, "measured time per run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench edge:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return err
	}
	u, err := url.Parse(o.store)
	if err != nil || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("-store must be a loopback URL such as http://127.0.0.1:4000")
	}
	if err := healthy(ctx, o.store+"/health", 5*time.Second); err != nil {
		return fmt.Errorf("the store is not running at %s (make run): %w", o.store, err)
	}
	sdl := filepath.Join(o.dataDir, "edge-supergraph.graphql")
	if out, err := exec.CommandContext(ctx, o.bin, "compose", "--out", sdl, "--base-url", o.store).CombinedOutput(); err != nil {
		return fmt.Errorf("compose: %v: %s", err, out)
	}
	key, err := partnerKey(ctx, o.bin)
	if err != nil {
		return err
	}
	setups := []setup{
		{"no response cache", "every request planned and fetched", []string{"--response-cache=false"}, 4101},
		{"cache, in-process tier", "otter in front of Redis", nil, 4102},
		{"cache, Redis tier only", "--response-cache-local=false", []string{"--response-cache-local=false"}, 4103},
		{"no cache, no dedupe", "partner: API key, cost and Redis quota on every request", []string{"--response-cache=false", "--no-dedupe", "--partner"}, 4104},
	}
	hash := sha256.Sum256([]byte(query))
	ext, _ := json.Marshal(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(hash[:])}})
	register, _ := json.Marshal(map[string]any{"query": query, "extensions": json.RawMessage(ext)})

	fmt.Printf("edge benchmark: %s, %d clients, %s warm-up, %s measured per run, GOMAXPROCS %d, %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), o.c, o.warmup, o.duration, runtime.GOMAXPROCS(0), o.store)
	fmt.Println("| gateway | request | RPS | p50 | p99 | gateway CPU / request | note |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, s := range setups {
		gw, err := startGateway(ctx, o, sdl, s)
		if err != nil {
			return err
		}
		base := fmt.Sprintf("http://127.0.0.1:%d", s.port)
		var runs []measure
		if s.port == 4104 {
			body, _ := json.Marshal(map[string]any{"query": query})
			runs = append(runs,
				measure{"POST /graphql", load.Config{URL: base + "/graphql", Body: body}},
				measure{"POST /partner/graphql", load.Config{URL: base + "/partner/graphql", Body: body, Header: http.Header{"Authorization": {"Bearer " + key}}}})
		} else {
			if err := post(ctx, base+"/graphql", register); err != nil {
				gw.stop()
				return fmt.Errorf("register the persisted query: %w", err)
			}
			runs = append(runs, measure{"GET, hash only", load.Config{URL: base + "/graphql?operationName=Listing&extensions=" + url.QueryEscape(string(ext))}})
		}
		for _, r := range runs {
			r.cfg.Concurrency, r.cfg.Warmup, r.cfg.Duration, r.cfg.PID = o.c, o.warmup, o.duration, gw.cmd.Process.Pid
			res, err := load.Run(ctx, r.cfg)
			if err != nil {
				gw.stop()
				return fmt.Errorf("%s, %s: %w", s.name, r.label, err)
			}
			if res.Errors > 0 {
				gw.stop()
				return fmt.Errorf("%s, %s: %d errors, first: %s", s.name, r.label, res.Errors, res.FirstError)
			}
			fmt.Printf("| %s | %s | %.0f | %s | %s | %s | %s |\n", s.name, r.label, res.RPS, ms(res.P50), ms(res.P99), res.CPUPerRequest().Round(time.Microsecond), s.note)
		}
		gw.stop()
	}
	return nil
}

// measure is one load run against a started gateway.
type measure struct {
	label string
	cfg   load.Config
}

type gateway struct{ cmd *exec.Cmd }

func (g gateway) stop() {
	_ = g.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
	}
}

func startGateway(ctx context.Context, o options, sdl string, s setup) (gateway, error) {
	args := append([]string{"gateway", "--supergraph", sdl, "--listen", fmt.Sprintf("127.0.0.1:%d", s.port), "--no-telemetry"}, s.flags...)
	cmd := exec.Command(o.bin, args...)
	logf, err := os.Create(filepath.Join(o.dataDir, fmt.Sprintf("edge-gateway-%d.log", s.port)))
	if err != nil {
		return gateway{}, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return gateway{}, err
	}
	g := gateway{cmd: cmd}
	if err := healthy(ctx, fmt.Sprintf("http://127.0.0.1:%d/health", s.port), 20*time.Second); err != nil {
		g.stop()
		return gateway{}, fmt.Errorf("gateway %s did not start (see %s): %w", s.name, logf.Name(), err)
	}
	return g, nil
}

var secretLine = regexp.MustCompile(`(?m)^\s+(sg_\S+)\s*$`)

// partnerKey creates a key whose quota the run cannot exhaust, so every request pays the full
// check and none is refused.
func partnerKey(ctx context.Context, bin string) (string, error) {
	name := "bench-edge-" + time.Now().UTC().Format("20060102T150405")
	out, err := exec.CommandContext(ctx, bin, "keys", "create", "--name", name, "--quota", "1000000/s", "--max-cost", "100000", "--scopes", "products").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("keys create: %v: %s", err, out)
	}
	m := secretLine.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("keys create printed no key: %s", out)
	}
	return string(m[1]), nil
}

func post(ctx context.Context, u string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d, errors %s, %v", resp.StatusCode, r.Errors, err)
	}
	return nil
}

func healthy(ctx context.Context, u string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
