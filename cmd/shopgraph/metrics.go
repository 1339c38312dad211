package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// serveMetrics serves h (the gateway's /metrics) on addr, a private listener, until ctx ends.
// It returns at once when addr or h is empty; a listener that cannot open is an error before
// anything serves.
func serveMetrics(ctx context.Context, addr string, h http.Handler) (wait func() error, err error) {
	if addr == "" || h == nil {
		return func() error { return nil }, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	slog.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	errc := make(chan error, 1)
	go func() { errc <- serveHTTP(ctx, ln, h) }()
	return func() error { return <-errc }, nil
}
