package main

import (
	"flag"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
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

// The documented example sets every key; serve reads it whole.
func TestExampleConfigDrivesServe(t *testing.T) {
	var cfg config
	var edge edgeFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	edge.register(fs, true)
	if err := cfg.parse(fs, []string{"--config", "../../shopgraph.example.yaml"}); err != nil {
		t.Fatal(err)
	}
	if !edge.partner || edge.partnerQuota != "600/m" || edge.storefrontQuota != "100000/m" || cfg.gateway.Persisted.DisableAPQ {
		t.Errorf("edge settings not applied: %+v, apq off %v", edge, cfg.gateway.Persisted.DisableAPQ)
	}
}

// A key the file leaves out keeps the command's own default: serve turns the partner
// endpoint on, gateway leaves it off; a key the file sets applies to both.
func TestOmittedKeysKeepTheCommandDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopgraph.yaml")
	if err := os.WriteFile(path, []byte("partner:\n  default_quota: 5/s\npersisted:\n  client_modes: {ios: persisted-only}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, serve := range []bool{true, false} {
		var cfg config
		var edge edgeFlags
		fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
		cfg.register(fs, true)
		edge.register(fs, serve)
		if err := cfg.parse(fs, []string{"--config", path}); err != nil {
			t.Fatal(err)
		}
		if edge.partner != serve || edge.partnerQuota != "5/s" {
			t.Errorf("serve=%v: partner %v quota %q", serve, edge.partner, edge.partnerQuota)
		}
	}
}

// The collector settings: each command's default unless the environment sets GOGC, then what
// the file or a flag gives.
func TestGarbageCollectorSettings(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	path := filepath.Join(t.TempDir(), "shopgraph.yaml")
	if err := os.WriteFile(path, []byte("gateway:\n  gc_percent: 250\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		command, gogc string
		args          []string
		percent       int
		limit         int64
	}{
		{"gateway", "", nil, 400, 100 << 20},
		{"serve", "", nil, 400, int64(memoryMiB()/2) << 20},
		{"serve", "", []string{"--gc-percent", "100", "--memory-limit-mib", "0"}, 100, 1<<63 - 1},
		{"gateway", "150", nil, 150, 100 << 20},                        // GOGC wins over a default
		{"gateway", "150", []string{"--config", path}, 250, 100 << 20}, // the file over GOGC
		{"gateway", "", []string{"--gc-percent", "300", "--memory-limit-mib", "0"}, 300, 1<<63 - 1},
		{"gateway", "", []string{"--gc-percent", "0"}, 400, 100 << 20},
	} {
		t.Setenv("GOGC", tc.gogc)
		debug.SetGCPercent(150) // as the runtime would have read GOGC=150 at start
		var cfg config
		fs := flag.NewFlagSet(tc.command, flag.ContinueOnError)
		cfg.register(fs, true)
		cfg.gc.register(fs, tc.command)
		if err := cfg.parse(fs, tc.args); err != nil {
			t.Fatal(err)
		}
		cfg.gc.apply(fs)
		if got := debug.SetGCPercent(100); got != tc.percent {
			t.Errorf("%s GOGC=%q %v: GC percent %d, want %d", tc.command, tc.gogc, tc.args, got, tc.percent)
		}
		if got := debug.SetMemoryLimit(-1); got != tc.limit {
			t.Errorf("%s %v: memory limit %d, want %d", tc.command, tc.args, got, tc.limit)
		}
	}
}

// A value the flag refuses is reported at its line in the file.
func TestBadEdgeValueNamesTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopgraph.yaml")
	if err := os.WriteFile(path, []byte("persisted:\n  apq: true\n  client_modes:\n    ios: strict\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	err := cfg.parse(fs, []string{"--config", path})
	if err == nil || !strings.HasPrefix(err.Error(), path+":4: persisted.client_modes:") || !strings.Contains(err.Error(), "strict") {
		t.Errorf("err = %v, want the file, line 4, the key and the bad mode", err)
	}
}

// The memory engine's snapshot interval: 5 minutes by default, set by the file or the flag;
// a negative one refuses to start.
func TestSearchSnapshotEvery(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.yaml", "data:\n  search_snapshot_every: 30s\n")
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 5 * time.Minute},
		{[]string{"--config", good}, 30 * time.Second},
		{[]string{"--config", good, "--search-snapshot-every", "0"}, 0},
	} {
		var cfg config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg.register(fs, true)
		if err := cfg.parse(fs, tc.args); err != nil {
			t.Fatal(err)
		}
		if cfg.searchSnapshotEvery != tc.want {
			t.Errorf("%v: snapshot every %v, want %v", tc.args, cfg.searchSnapshotEvery, tc.want)
		}
	}
	bad := write("bad.yaml", "data:\n  search_snapshot_every: -1m\n")
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	err := cfg.parse(fs, []string{"--config", bad})
	if err == nil || !strings.Contains(err.Error(), bad+":2: data.search_snapshot_every") {
		t.Errorf("err = %v, want the file, line and key", err)
	}
	t.Setenv("SHOPGRAPH_DATA_SEARCH_SNAPSHOT_EVERY", "2m")
	var env config
	envFlags := flag.NewFlagSet("serve", flag.ContinueOnError)
	env.register(envFlags, true)
	if err := env.parse(envFlags, nil); err != nil || env.searchSnapshotEvery != 2*time.Minute {
		t.Errorf("from the environment: snapshot every %v, %v; want 2m", env.searchSnapshotEvery, err)
	}
}

// The idempotency-key purge is paced from the file, and a flag wins over it.
func TestKeyPurgeSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "purge.yaml")
	if err := os.WriteFile(path, []byte("data:\n  key_purge_every: 10m\n  key_purge_batch: 250\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		every time.Duration
		batch int
	}{
		{nil, time.Hour, 1000},
		{[]string{"--config", path}, 10 * time.Minute, 250},
		{[]string{"--config", path, "--key-purge-batch", "50"}, 10 * time.Minute, 50},
	} {
		var cfg config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg.register(fs, true)
		if err := cfg.parse(fs, tc.args); err != nil {
			t.Fatal(err)
		}
		if cfg.keyPurgeEvery != tc.every || cfg.keyPurgeBatch != tc.batch {
			t.Errorf("%v: purge every %v in batches of %d, want %v and %d", tc.args, cfg.keyPurgeEvery, cfg.keyPurgeBatch, tc.every, tc.batch)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("data:\n  key_purge_batch: -5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	if err := cfg.parse(fs, []string{"--config", bad}); err == nil || !strings.Contains(err.Error(), "data.key_purge_batch") {
		t.Errorf("err = %v, want the key named", err)
	}
}

// serve's memory cap is half of what the machine (or its container) has.
func TestServeMemoryCapIsHalfTheMemory(t *testing.T) {
	mem := memoryMiB()
	if mem <= 0 {
		t.Fatal("the memory of this machine could not be read")
	}
	d := gcDefaults("serve")
	if d.percent != 400 || d.limitMiB != mem/2 || d.limitMiB < 64 {
		t.Fatalf("serve defaults = %+v with %d MiB of memory, want 400 %% and %d MiB", d, mem, mem/2)
	}
}

// How long carts' mutation ids, idle guest carts and failed checkouts are kept comes from the
// file, a flag wins over it, and a negative period is refused with its key.
func TestRetentionSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "retention.yaml")
	if err := os.WriteFile(path, []byte("data:\n  cart_mutation_window: 2h\n  guest_cart_idle: 48h\n  failed_checkout_retention: 168h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	for _, tc := range []struct {
		args []string
		want retention
	}{
		{nil, retention{day, 30 * day, 30 * day}},
		{[]string{"--config", path}, retention{2 * time.Hour, 2 * day, 7 * day}},
		{[]string{"--config", path, "--guest-cart-idle", "72h"}, retention{2 * time.Hour, 3 * day, 7 * day}},
	} {
		var cfg config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg.register(fs, true)
		if err := cfg.parse(fs, tc.args); err != nil {
			t.Fatal(err)
		}
		if cfg.retention != tc.want {
			t.Errorf("%v: retention %+v, want %+v", tc.args, cfg.retention, tc.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("data:\n  guest_cart_idle: -1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	if err := cfg.parse(fs, []string{"--config", bad}); err == nil || !strings.Contains(err.Error(), "data.guest_cart_idle") {
		t.Errorf("a negative idle period: %v, want an error naming data.guest_cart_idle", err)
	}
}
