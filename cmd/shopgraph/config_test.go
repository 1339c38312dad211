package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Flags given on the command line win over the file, the file over the defaults.
func TestConfigPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopgraph.yaml")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:7000\ngateway:\n  subgraph_timeout: 3s\n  max_depth: 9\n  dedupe: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	if err := cfg.parse(fs, []string{"--config", path, "--max-depth", "12"}); err != nil {
		t.Fatal(err)
	}
	g := cfg.gateway
	if cfg.listenAddr != "127.0.0.1:7000" || g.SubgraphTimeout != 3*time.Second || !g.DisableDedupe {
		t.Errorf("file not applied: listen %q, timeout %v, no-dedupe %v", cfg.listenAddr, g.SubgraphTimeout, g.DisableDedupe)
	}
	if g.Limits.MaxDepth != 12 || g.Limits.MaxAliases != 30 || g.PlanCacheSize != 1000 {
		t.Errorf("flag or default lost: depth %d, aliases %d, plan cache %d", g.Limits.MaxDepth, g.Limits.MaxAliases, g.PlanCacheSize)
	}
}

func TestBadConfigRefusesToStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopgraph.yaml")
	if err := os.WriteFile(path, []byte("gateway:\n  plan_cache: -4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runMigrate(t.Context(), []string{"--config", path})
	if err == nil || err.Error() != path+":2: gateway.plan_cache: must be at least 1" {
		t.Errorf("err = %v, want the file, line and reason", err)
	}
}
