package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/persisted"
)

func TestDocumentsWritesALoadableManifest(t *testing.T) {
	dir := t.TempDir()
	ops := filepath.Join(dir, "ops")
	if err := os.MkdirAll(filepath.Join(ops, "cart"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(ops, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("product.graphql", "query ProductPage($id: ID!) { product(id: $id) { ...Card } }")
	write("cart/fragments.gql", "fragment Card on Product { id name }")
	write("README.md", "not GraphQL")
	out := filepath.Join(dir, "manifest.json")
	if err := runDocuments(context.Background(), []string{"--out", out, "--client", "ios", "--version", "3.2.0", ops}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	docs, client, err := persisted.ParseManifest(b)
	if err != nil || len(docs) != 1 || client == nil || client.Name != "ios" || client.Version != "3.2.0" {
		t.Fatalf("manifest: %d documents, client %+v, %v", len(docs), client, err)
	}
	var m persisted.Manifest
	_ = json.Unmarshal(b, &m)
	if m.Operations[0].Name != "ProductPage" {
		t.Errorf("operations %+v", m.Operations)
	}
	if err := runDocuments(context.Background(), []string{"--version", "1", ops}); err == nil {
		t.Error("--version without --client was accepted")
	}
	if err := runDocuments(context.Background(), []string{t.TempDir()}); err == nil {
		t.Error("a folder without .graphql files was accepted")
	}
}

func TestPersistedFlags(t *testing.T) {
	var p persisted.Options
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	registerPersisted(fs, &p)
	err := fs.Parse([]string{"--manifests", "/srv/manifests, https://cdn.example/pq.json", "--client-modes", "ios=persisted-only,web=persisted-preferred", "--default-mode", "persisted-only", "--apq-redis-url", "redis://127.0.0.1:6379/3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ManifestDirs) != 1 || p.ManifestDirs[0] != "/srv/manifests" || len(p.ManifestURLs) != 1 || p.ManifestURLs[0] != "https://cdn.example/pq.json" {
		t.Errorf("sources: dirs %v urls %v", p.ManifestDirs, p.ManifestURLs)
	}
	if p.Clients["ios"] != persisted.PersistedOnly || p.Clients["web"] != persisted.PersistedPreferred || p.DefaultMode != persisted.PersistedOnly {
		t.Errorf("modes: %v default %q", p.Clients, p.DefaultMode)
	}
	if p.Redis == nil {
		t.Error("no Redis client from --apq-redis-url")
	} else {
		_ = p.Redis.Close()
	}
	if err := fs.Parse([]string{"--client-modes", "ios=strict"}); err == nil {
		t.Error("an unknown mode was accepted")
	}
}
