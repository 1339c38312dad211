package typesense_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
	"github.com/shopgraph/shopgraph/subgraphs/search/typesense"
)

// TestConformance runs the engine suite against the cluster at TYPESENSE_URL. No Typesense
// server runs on the development machines or in CI, so without the variable it is skipped,
// and says so.
func TestConformance(t *testing.T) {
	cfg := typesense.ConfigFromEnv()
	if cfg.URL == "" {
		t.Skip("TYPESENSE_URL is not set: the Typesense engine's conformance suite needs a running Typesense server (set TYPESENSE_URL and TYPESENSE_API_KEY)")
	}
	searchtest.Run(t, func(t *testing.T) search.Engine {
		t.Helper()
		c := cfg
		c.Alias = "products_test_" + strings.ToLower(ulid.Make().String())
		e, err := typesense.Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := e.Drop(context.Background()); err != nil {
				t.Errorf("drop test index: %v", err)
			}
		})
		return e
	})
}
