package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	partnerpg "github.com/shopgraph/shopgraph/gateway/partner/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

func TestNewKeyChecksItsFlags(t *testing.T) {
	for _, tc := range []struct {
		name, rate string
		maxCost    int
		scopes     string
		bad        string
	}{
		{"acme", "600/m", 5000, "products,search", ""},
		{"", "600/m", 5000, "products", "--name"},
		{"acme", "600", 5000, "products", "--quota"},
		{"acme", "600/m", 0, "products", "--max-cost"},
		{"acme", "600/m", 5000, "products,orders", `unknown scope "orders"`},
		{"acme", "600/m", 5000, " , ", "--scopes"},
	} {
		_, err := newKey(tc.name, tc.rate, tc.maxCost, tc.scopes)
		if tc.bad == "" && err != nil || tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
			t.Errorf("newKey(%q, %q, %d, %q) = %v, want an error naming %q", tc.name, tc.rate, tc.maxCost, tc.scopes, err, tc.bad)
		}
	}
}

// keys create, list and revoke against a migrated database, reading what they print.
func TestKeysCommand(t *testing.T) {
	db := pgtest.NewDatabase(t, partnerpg.Domain)
	t.Setenv("SHOPGRAPH_CONFIG", "")
	run := func(args ...string) string {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		stdout := os.Stdout
		os.Stdout = f
		err = runKeys(context.Background(), append(args, "--database-url", db))
		os.Stdout = stdout
		f.Close()
		if err != nil {
			t.Fatalf("keys %v: %v", args, err)
		}
		b, _ := os.ReadFile(out)
		return string(b)
	}
	created := run("create", "--name", "acme", "--quota", "600/m", "--max-cost", "5000", "--scopes", "products,search")
	var secret, id string
	for _, f := range strings.Fields(created) {
		if strings.HasPrefix(f, "sg_") {
			secret = f
		}
	}
	if _, after, ok := strings.Cut(created, "created key "); ok {
		id = strings.Fields(after)[0]
	}
	if secret == "" || id == "" {
		t.Fatalf("create printed no key: %q", created)
	}
	list := run("list")
	if !strings.Contains(list, id) || !strings.Contains(list, "600/m") || !strings.Contains(list, "products,search") || strings.Contains(list, secret) {
		t.Errorf("list: %q", list)
	}
	run("revoke", id)
	if list := run("list"); strings.Count(list, "-\n") != 0 {
		t.Errorf("list after revoke shows the key live: %q", list)
	}
}
