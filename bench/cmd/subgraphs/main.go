// Command subgraphs serves the benchmark's four subgraphs on consecutive loopback ports
// (accounts, inventory, products, reviews from --port), plus GET /stats on each with the
// number of requests that subgraph answered.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/shopgraph/shopgraph/bench/subgraphs"
)

func main() {
	host := flag.String("host", "127.0.0.1", "listen host")
	port := flag.Int("port", 18201, "port of the first subgraph; the others follow")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var servers []*http.Server
	for i, name := range subgraphs.Names {
		sg, err := subgraphs.New(name)
		if err != nil {
			log.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/graphql", sg)
		mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"requests":%d}`, sg.Requests())
		})
		addr := net.JoinHostPort(*host, fmt.Sprint(*port+i))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatalf("listen %s: %v", addr, err)
		}
		// Generous timeouts: on a loaded machine a slow client must not see a hang-up that the
		// gateway under test would then report as its own error.
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Minute, IdleTimeout: 10 * time.Minute}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(ln) }()
		log.Printf("%s subgraph at http://%s/graphql", name, addr)
	}
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
}
