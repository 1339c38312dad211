package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const answer = `{"data":{"products":[{"upc":"1"},{"upc":"2"}]}}`

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/length", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || string(b) != `{"query":"{ products { upc } }"}` ||
			r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Shop") != "s1" {
			http.Error(w, "unexpected request: "+r.Method+" "+string(b), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		_, _ = io.WriteString(w, answer)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, answer[:10])
		w.(http.Flusher).Flush() // no Content-Length: chunked
		_, _ = io.WriteString(w, answer[10:])
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, answer)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Query().Get("operationName") != "Q" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, answer)
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/errors", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"errors":[{"message":"boom"}]}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientReadsEveryFraming(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	for _, tc := range []struct {
		path    string
		body    []byte
		wantErr string
	}{
		{path: "/length", body: []byte(`{"query":"{ products { upc } }"}`)},
		{path: "/chunked", body: []byte(`{}`)},
		{path: "/close", body: []byte(`{}`)},
		{path: "/get?operationName=Q"},
		{path: "/status", body: []byte(`{}`), wantErr: "503"},
		{path: "/errors", body: []byte(`{}`), wantErr: "response has errors"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			target, err := newTarget(Config{URL: srv.URL + tc.path, Body: tc.body, Header: http.Header{"X-Shop": {"s1"}}})
			if err != nil {
				t.Fatal(err)
			}
			c := target.client(ctx)
			defer c.release()
			for range 3 { // the same connection again, or a new one after Connection: close
				body, err := c.do(ctx, nil)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want %q", err, tc.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if string(body) != answer {
					t.Fatalf("body %q, want %q", body, answer)
				}
			}
		})
	}
}

func TestRunChecksEveryResponse(t *testing.T) {
	srv := testServer(t)
	res, err := Run(context.Background(), Config{
		URL: srv.URL + "/chunked", Body: []byte(`{}`), Concurrency: 4, Duration: 200 * time.Millisecond,
		Expected: map[string]any{"data": map[string]any{"products": []any{map[string]any{"upc": "1"}, map[string]any{"upc": "2"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || res.P50 <= 0 {
		t.Errorf("result %+v", res)
	}
	if _, err := Run(context.Background(), Config{URL: srv.URL + "/chunked", Body: []byte(`{}`), Duration: time.Millisecond,
		Expected: map[string]any{"data": nil}}); err == nil {
		t.Error("a first response unlike the expected one passed")
	}
	res, err = Run(context.Background(), Config{URL: srv.URL + "/errors", Body: []byte(`{}`), Duration: time.Millisecond})
	if err == nil {
		t.Errorf("a first response with errors passed: %+v", res)
	}
}

func TestClientStopsWithTheContext(t *testing.T) {
	srv := testServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	target, err := newTarget(Config{URL: srv.URL + "/length", Body: []byte(`{"query":"{ products { upc } }"}`), Header: http.Header{"X-Shop": {"s1"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := target.client(ctx)
	defer c.release()
	if _, err := c.do(ctx, nil); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := c.do(ctx, nil); err == nil {
		t.Error("a request after cancellation succeeded")
	}
}

// A body unlike the one already checked is searched for errors, whatever its length.
func TestClientChecksBodiesUnlikeTheFirst(t *testing.T) {
	srv := testServer(t)
	target, err := newTarget(Config{URL: srv.URL + "/errors", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	c := target.client(context.Background())
	defer c.release()
	same := []byte(`{"errors":[{"message":"boo!"}]}`) // as long as the server's, not equal
	if _, err := c.do(context.Background(), same); err == nil || !strings.Contains(err.Error(), "errors") {
		t.Errorf("err = %v, want the errors reported", err)
	}
	target, _ = newTarget(Config{URL: srv.URL + "/chunked", Body: []byte(`{}`)})
	c2 := target.client(context.Background())
	defer c2.release()
	if body, err := c2.do(context.Background(), []byte(answer)); err != nil || string(body) != answer {
		t.Errorf("body %q, err %v", body, err)
	}
}
