// Command gateway-pprof is `shopgraph gateway` with net/http/pprof on a side port, for
// profiling the gateway under the benchmark load (bench/cmd/gateways -profile DIR).
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on the default mux, served only on --pprof
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
	"github.com/shopgraph/shopgraph/gateway/transport"
)

func main() {
	var cfg server.Config
	flag.StringVar(&cfg.SupergraphPath, "supergraph", "", "supergraph SDL file (required)")
	flag.StringVar(&cfg.ListenAddr, "listen", "127.0.0.1:4000", "HTTP listen address")
	flag.BoolVar(&cfg.DisableDedupe, "no-dedupe", false, "send every subgraph fetch, even when an identical one is in flight")
	pprofAddr := flag.String("pprof", "127.0.0.1:6060", "pprof listen address")
	_ = flag.Bool("response-cache", false, "accepted as `shopgraph gateway` takes it; this gateway has no response cache")
	flag.Parse()
	// The defaults of `shopgraph gateway`, so the profile is of the same gateway.
	cfg.SubgraphTimeout = 30 * time.Second
	cfg.Limits.MaxDepth, cfg.Limits.MaxAliases = 15, 30
	cfg.PlanCacheSize = 1000
	debug.SetGCPercent(400) // --gc-percent and --memory-limit-mib of `shopgraph gateway`
	debug.SetMemoryLimit(100 << 20)

	// The gateway reports a failed subgraph fetch to the client without its cause; log it.
	b, err := os.ReadFile(cfg.SupergraphPath)
	if err != nil {
		log.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		log.Fatal(err)
	}
	urls := map[string]string{}
	for _, g := range sg.Graphs {
		urls[g.Name] = g.URL
	}
	cfg.Subgraphs = loggedSubgraphs{transport.New(urls, transport.Options{Timeout: cfg.SubgraphTimeout})}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pp := &http.Server{Addr: *pprofAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = pp.ListenAndServe() }()
	defer pp.Close()
	if err := server.Run(ctx, cfg); err != nil {
		log.Fatal(err)
	}
}

type loggedSubgraphs struct{ *transport.Subgraphs }

func (l loggedSubgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	out, err := l.Subgraphs.Fetch(ctx, subgraph, body)
	if err != nil {
		log.Printf("subgraph fetch failed: %v", err)
	}
	return out, err
}
