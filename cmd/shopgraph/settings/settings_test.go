package settings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shopgraph.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadReadsTheFileOverDefaults(t *testing.T) {
	t.Setenv("REDIS_URL", "") // the test script's own would override the default
	f, err := Load(write(t, "listen: 0.0.0.0:8080\ngateway:\n  subgraph_timeout: 5s\n  dedupe: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Listen != "0.0.0.0:8080" || time.Duration(f.Gateway.SubgraphTimeout) != 5*time.Second || f.Gateway.Dedupe {
		t.Errorf("loaded %+v", f)
	}
	if f.Gateway.PlanCache != Defaults().Gateway.PlanCache || f.RedisURL != Defaults().RedisURL {
		t.Errorf("unset keys lost their defaults: %+v", f)
	}
}

func TestTheExampleFileLoads(t *testing.T) {
	if _, err := Load("../../../shopgraph.example.yaml"); err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
}

// A bad file refuses to load, naming the line and the reason.
func TestBadFilesNameTheLine(t *testing.T) {
	for name, tc := range map[string]struct {
		text string
		line int
		want string
	}{
		"unknown key":    {"listen: x\ngateway:\n  subgraph_timout: 5s\n", 3, "subgraph_timout"},
		"not a duration": {"gateway:\n  dedupe: true\n  request_timeout: soon\n", 3, "duration"},
		"out of range":   {"gateway:\n  plan_cache: 10\n  max_depth: 0\n", 3, "at least 1"},
		"negative":       {"listen: x\ngateway:\n  subgraph_timeout: -1s\n", 3, "positive"},
		"not yaml":       {"listen: [x\n", 1, ""},
		"unknown engine": {"data:\n  search_engine: lucene\n", 2, "memory or bleve"},
	} {
		t.Run(name, func(t *testing.T) {
			p := write(t, tc.text)
			_, err := Load(p)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *Error", err)
			}
			if ce.Line != tc.line || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), p+":") {
				t.Errorf("err = %q (line %d), want line %d mentioning %q", err, ce.Line, tc.line, tc.want)
			}
		})
	}
}

func TestEnvironmentOverridesTheFile(t *testing.T) {
	t.Setenv("SHOPGRAPH_GATEWAY_SUBGRAPH_TIMEOUT", "2s")
	t.Setenv("SHOPGRAPH_LISTEN", "127.0.0.1:9")
	f, err := Load(write(t, "listen: 0.0.0.0:8080\ngateway:\n  subgraph_timeout: 5s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(f.Gateway.SubgraphTimeout) != 2*time.Second || f.Listen != "127.0.0.1:9" {
		t.Errorf("env not applied: %+v", f)
	}
	t.Setenv("SHOPGRAPH_GATEWAY_PLAN_CACHE", "lots")
	if _, err := Load(""); err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_GATEWAY_PLAN_CACHE") {
		t.Errorf("bad env value: err = %v, want it to name the variable", err)
	}
}
