// Package transport sends subgraph requests: pooled keep-alive HTTP clients
// with timeouts and header propagation, or in-process calls to an http.Handler.
package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"time"
)

// Forwarded are the client headers passed on to subgraphs.
var Forwarded = []string{"Authorization", "Traceparent", "Tracestate"}

type headersKey struct{}

// WithHeaders stores the client headers to forward in ctx: Forwarded, plus the names the
// gateway was configured to pass on.
// A request with none of them (the usual anonymous storefront request) leaves ctx as it is,
// unless ctx already carries headers, which are then replaced by none.
func WithHeaders(ctx context.Context, h http.Header, also ...string) context.Context {
	var fwd http.Header
	for _, names := range [2][]string{Forwarded, also} {
		for _, name := range names {
			if v := h.Values(name); len(v) > 0 {
				if fwd == nil {
					fwd = http.Header{}
				}
				fwd[http.CanonicalHeaderKey(name)] = v
			}
		}
	}
	if fwd == nil {
		if Headers(ctx) == nil {
			return ctx
		}
		fwd = http.Header{}
	}
	return context.WithValue(ctx, headersKey{}, fwd)
}

// WithExtraHeaders adds headers the gateway itself sends to every subgraph
// for this request (such as signed identity headers), replacing forwarded
// values of the same name.
func WithExtraHeaders(ctx context.Context, extra http.Header) context.Context {
	if len(extra) == 0 {
		return ctx
	}
	h := Headers(ctx).Clone()
	if h == nil {
		h = http.Header{}
	}
	for k, v := range extra {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	return context.WithValue(ctx, headersKey{}, h)
}

// Headers returns the forwarded headers stored in ctx.
func Headers(ctx context.Context) http.Header {
	h, _ := ctx.Value(headersKey{}).(http.Header)
	return h
}

// HeaderSignature identifies the forwarded headers, for in-flight dedupe keys. Trace context
// headers are left out: they differ on every request yet never change what a subgraph answers,
// so requests that differ only in them still share one execution.
func HeaderSignature(ctx context.Context) string {
	h := Headers(ctx)
	if len(h) == 0 {
		return ""
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		if !traceHeaders[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strings.Join(h[k], ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// traceHeaders are the W3C trace context headers, in canonical form.
var traceHeaders = map[string]bool{"Traceparent": true, "Tracestate": true}

// Options configure the HTTP transport.
type Options struct {
	Timeout         time.Duration // whole request; default 30s
	MaxIdlePerHost  int           // default 64
	MaxResponseSize int64         // default 32 MiB
	// BreakerFailures consecutive transport failures open a subgraph's
	// circuit for BreakerCooldown (defaults 5 and 5s; -1 disables).
	BreakerFailures int
	BreakerCooldown time.Duration
}

// Subgraphs routes requests by subgraph name, over HTTP by default or to an
// in-process handler when one is registered.
type Subgraphs struct {
	urls     map[string]string
	handlers map[string]http.Handler
	client   *http.Client
	opts     Options
	breakers map[string]*breaker
}

// New returns a transport for the given subgraph URLs.
func New(urls map[string]string, opts Options) *Subgraphs {
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxIdlePerHost == 0 {
		opts.MaxIdlePerHost = 64
	}
	if opts.MaxResponseSize == 0 {
		opts.MaxResponseSize = 32 << 20
	}
	if opts.BreakerFailures == 0 {
		opts.BreakerFailures = 5
	}
	if opts.BreakerCooldown == 0 {
		opts.BreakerCooldown = 5 * time.Second
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        opts.MaxIdlePerHost * 4,
		MaxIdleConnsPerHost: opts.MaxIdlePerHost,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	s := &Subgraphs{urls: urls, handlers: map[string]http.Handler{}, client: &http.Client{Transport: tr, Timeout: opts.Timeout}, opts: opts, breakers: map[string]*breaker{}}
	if opts.BreakerFailures > 0 {
		for name := range urls {
			s.breakers[name] = newBreaker(opts.BreakerFailures, opts.BreakerCooldown)
		}
	}
	return s
}

// InProcess makes requests to the named subgraph call h directly, without
// a network round trip (for subgraphs served by the same binary).
func (s *Subgraphs) InProcess(subgraph string, h http.Handler) {
	s.handlers[subgraph] = h
}

// Fetch posts a GraphQL request body to the subgraph.
func (s *Subgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	if h, ok := s.handlers[subgraph]; ok {
		return s.inProcess(ctx, h, body)
	}
	url, ok := s.urls[subgraph]
	if !ok {
		return nil, fmt.Errorf("unknown subgraph %q", subgraph)
	}
	b := s.breakers[subgraph]
	if b == nil {
		return s.post(ctx, subgraph, url, body)
	}
	if !b.allow() {
		return nil, fmt.Errorf("subgraph %s: %w", subgraph, ErrBreakerOpen)
	}
	out, err := s.post(ctx, subgraph, url, body)
	// a client that went away says nothing about the subgraph
	b.done(err == nil || ctx.Err() != nil)
	return out, err
}

// readBody reads a response in one allocation when the subgraph sends Content-Length (the
// decoded response keeps pointing into these bytes, so they are not pooled), growing as
// io.ReadAll does otherwise. It never reads more than limit bytes.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(resp.Body, limit))
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Subgraphs) post(ctx context.Context, subgraph, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("subgraph %s: %w", subgraph, err)
	}
	setHeaders(ctx, req)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("subgraph %s: %w", subgraph, err)
	}
	defer resp.Body.Close()
	out, err := readBody(resp, s.opts.MaxResponseSize)
	if err != nil {
		return nil, fmt.Errorf("subgraph %s: read: %w", subgraph, err)
	}
	if resp.StatusCode >= 300 && !looksLikeGraphQL(out) {
		return nil, fmt.Errorf("subgraph %s: HTTP %d", subgraph, resp.StatusCode)
	}
	return out, nil
}

func (s *Subgraphs) inProcess(ctx context.Context, h http.Handler, body []byte) ([]byte, error) {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body)).WithContext(ctx)
	setHeaders(ctx, req)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 300 && !looksLikeGraphQL(rec.Body.Bytes()) {
		return nil, fmt.Errorf("in-process subgraph: HTTP %d", rec.Code)
	}
	return rec.Body.Bytes(), nil
}

func setHeaders(ctx context.Context, req *http.Request) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	for k, v := range Headers(ctx) {
		req.Header[k] = v
	}
}

func looksLikeGraphQL(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && (bytes.Contains(b, []byte(`"data"`)) || bytes.Contains(b, []byte(`"errors"`)))
}
