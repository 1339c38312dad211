package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test start the real binary's commands in a child process: the test binary
// re-runs itself with SHOPGRAPH_MAIN=1 and the command's arguments.
func TestMain(m *testing.M) {
	if os.Getenv("SHOPGRAPH_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestGraphiQLInBrowser runs `shopgraph gateway` over a stub catalog subgraph, opens GraphiQL
// in headless Chromium, runs a query from the editor and reads the result pane.
func TestGraphiQLInBrowser(t *testing.T) {
	tools, chromium := os.Getenv("BROWSER_TOOLS"), os.Getenv("CHROMIUM")
	if tools == "" || chromium == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("BROWSER_TOOLS and CHROMIUM are unset: run scripts/browser-tools.sh (make test does)")
		}
		t.Skip("BROWSER_TOOLS and CHROMIUM unset; scripts/browser-tools.sh installs them")
	}
	catalog := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"products":[{"name":"Walnut Desk"},{"name":"Oak Stool"}]}}`)
	}))
	defer catalog.Close()
	sdl, err := os.ReadFile("../../gateway/supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	supergraph := filepath.Join(dir, "supergraph.graphql")
	if err := os.WriteFile(supergraph, []byte(strings.ReplaceAll(string(sdl), "http://catalog.test/graphql", catalog.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	gw := exec.CommandContext(ctx, os.Args[0], "gateway", "--supergraph", supergraph, "--listen", addr)
	gw.Env = append(os.Environ(), "SHOPGRAPH_MAIN=1", "OTEL_EXPORTER_OTLP_ENDPOINT=")
	gw.Stderr = os.Stderr
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gw.Process.Kill(); _ = gw.Wait() }()
	base := "http://" + addr
	waitHealthy(t, ctx, base)

	shot := filepath.Join(dir, "graphiql.png")
	node := exec.CommandContext(ctx, "node", "testdata/graphiql.mjs", base, "query Shelf { products { name } }", shot)
	node.Stderr = os.Stderr
	out, err := node.Output()
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, out)
	}
	var got struct {
		Result   string   `json:"result"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal(lastLine(out), &got); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	var result map[string]any
	if err := json.Unmarshal([]byte(got.Result), &result); err != nil {
		t.Fatalf("result pane %q: %v", got.Result, err)
	}
	if b, _ := json.Marshal(result); string(b) != `{"data":{"products":[{"name":"Walnut Desk"},{"name":"Oak Stool"}]}}` {
		t.Errorf("result pane shows %s", b)
	}
	// the page loads nothing from outside and breaks no content policy
	if len(got.Problems) > 0 {
		t.Errorf("browser reported: %q", got.Problems)
	}
	if dst := os.Getenv("GRAPHIQL_SCREENSHOT"); dst != "" {
		if b, err := os.ReadFile(shot); err == nil {
			_ = os.WriteFile(dst, b, 0o644)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("gateway at %s never became healthy: %v", base, err)
		case <-tick.C:
		}
	}
}

func lastLine(b []byte) []byte {
	var last []byte
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			last = []byte(line)
		}
	}
	return last
}
