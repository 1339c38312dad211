package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestForwardsHeaders(t *testing.T) {
	var got http.Header
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		_, _ = w.Write([]byte(`{"data":{"ok":true}}`))
	}))
	defer srv.Close()
	s := New(map[string]string{"catalog": srv.URL}, Options{})
	client := http.Header{}
	client.Set("Authorization", "Bearer t")
	client.Set("Traceparent", "00-abc-def-01")
	client.Set("Cookie", "secret=1")
	ctx := WithHeaders(context.Background(), client)
	out, err := s.Fetch(ctx, "catalog", []byte(`{"query":"{ok}"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"data":{"ok":true}}` || body != `{"query":"{ok}"}` {
		t.Errorf("out %s body %s", out, body)
	}
	tests := map[string]string{
		"Authorization": "Bearer t",
		"Traceparent":   "00-abc-def-01",
		"Cookie":        "",
		"Content-Type":  "application/json",
	}
	for k, want := range tests {
		if v := got.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
}

func TestErrorsWithoutGraphQLBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusBadGateway)
	}))
	defer srv.Close()
	s := New(map[string]string{"a": srv.URL}, Options{})
	if _, err := s.Fetch(context.Background(), "a", []byte(`{}`)); err == nil {
		t.Error("expected an error for a 502 without a GraphQL body")
	}
	if _, err := s.Fetch(context.Background(), "missing", []byte(`{}`)); err == nil {
		t.Error("expected an error for an unknown subgraph")
	}
}

func TestInProcess(t *testing.T) {
	s := New(map[string]string{"a": "http://unreachable.invalid"}, Options{})
	s.InProcess("a", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer x" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"data":{"local":true}}`))
	}))
	h := http.Header{}
	h.Set("Authorization", "Bearer x")
	out, err := s.Fetch(WithHeaders(context.Background(), h), "a", []byte(`{}`))
	if err != nil || string(out) != `{"data":{"local":true}}` {
		t.Fatalf("out %s err %v", out, err)
	}
	if _, err := s.Fetch(context.Background(), "a", []byte(`{}`)); err == nil {
		t.Error("expected an error when the handler refuses")
	}
}

func TestWithHeadersWithoutAnyToForward(t *testing.T) {
	ctx := context.Background()
	if got := WithHeaders(ctx, http.Header{"Accept": {"*/*"}}, "X-Shop"); got != ctx {
		t.Error("a request with nothing to forward changed the context")
	}
	withAuth := WithHeaders(ctx, http.Header{"Authorization": {"Bearer a"}, "X-Shop": {"s1"}}, "x-shop")
	if h := Headers(withAuth); h.Get("Authorization") != "Bearer a" || h.Get("X-Shop") != "s1" {
		t.Errorf("forwarded %v", h)
	}
	if h := Headers(WithHeaders(withAuth, http.Header{})); len(h) != 0 || h == nil {
		t.Errorf("headers of an earlier request survived: %v", h)
	}
}

func TestHeaderSignature(t *testing.T) {
	a := http.Header{}
	a.Set("Authorization", "x")
	b := http.Header{}
	b.Set("Authorization", "y")
	sa := HeaderSignature(WithHeaders(context.Background(), a))
	sb := HeaderSignature(WithHeaders(context.Background(), b))
	if sa == sb || sa == "" {
		t.Errorf("signatures %q %q", sa, sb)
	}
	if HeaderSignature(context.Background()) != "" {
		t.Error("no headers should give an empty signature")
	}
	// Requests that differ only in their trace context share a signature.
	ta, tb := a.Clone(), a.Clone()
	ta.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	tb.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	tb.Set("Tracestate", "vendor=1")
	if HeaderSignature(WithHeaders(context.Background(), ta)) != sa || HeaderSignature(WithHeaders(context.Background(), tb)) != sa {
		t.Error("trace context headers changed the signature")
	}
}

func TestBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBreaker(2, time.Second)
	b.now = func() time.Time { return now }
	steps := []struct {
		name  string
		allow bool
		ok    bool
	}{
		{"closed", true, false},
		{"still closed after one failure", true, false},
		{"open after two failures", false, false},
	}
	for _, s := range steps {
		if got := b.allow(); got != s.allow {
			t.Fatalf("%s: allow %v", s.name, got)
		}
		if s.allow {
			b.done(s.ok)
		}
	}
	now = now.Add(2 * time.Second)
	if !b.allow() {
		t.Fatal("a trial request should pass after the cool-down")
	}
	if b.allow() {
		t.Fatal("only one trial request at a time")
	}
	b.done(true)
	if !b.allow() {
		t.Fatal("a successful trial closes the circuit")
	}
}

func TestBreakerFailsFast(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	s := New(map[string]string{"a": srv.URL}, Options{BreakerFailures: 2, BreakerCooldown: time.Hour})
	for i := 0; i < 4; i++ {
		_, _ = s.Fetch(context.Background(), "a", []byte(`{}`))
	}
	if calls != 2 {
		t.Errorf("subgraph called %d times, want 2 before the circuit opens", calls)
	}
	if _, err := s.Fetch(context.Background(), "a", []byte(`{}`)); !errors.Is(err, ErrBreakerOpen) {
		t.Errorf("err %v, want ErrBreakerOpen", err)
	}
}
