package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRefusesAStoreElsewhere(t *testing.T) {
	err := run(context.Background(), options{base: "http://203.0.113.7:4000", n: 1})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("run against another machine: %v, want a loopback-only refusal", err)
	}
}

func TestPercentiles(t *testing.T) {
	ds := make([]time.Duration, 200)
	for i := range ds {
		ds[i] = time.Duration(200-i) * time.Millisecond // descending: percentiles must sort
	}
	p50, p99 := percentiles(ds)
	if p50 != 101*time.Millisecond || p99 != 199*time.Millisecond {
		t.Fatalf("p50 %s, p99 %s; want 101ms and 199ms", p50, p99)
	}
	if ds[0] != 200*time.Millisecond {
		t.Fatal("percentiles must not reorder the caller's slice")
	}
}

// TestMixMatchesTheEngineBenchmark: the GraphQL mix asks the same queries as benchMix, so the
// two tables can be read side by side.
func TestMixMatchesTheEngineBenchmark(t *testing.T) {
	want := []string{"words", "words-next-page-without-facets", "typos", "browse-category", "words-filters-price", "browse-all-rating", "suggest"}
	m := mix("root")
	if len(m) != len(want) {
		t.Fatalf("%d queries, want %d", len(m), len(want))
	}
	for i, q := range m {
		if q.name != want[i] {
			t.Errorf("query %d is %s, want %s", i, q.name, want[i])
		}
		if q.name != "suggest" && (!strings.Contains(q.gateway, "title") || strings.Contains(q.direct, "title")) {
			t.Errorf("%s: the gateway operation must ask catalog fields and the direct one only ids", q.name)
		}
	}
	if strings.Contains(m[1].direct, "facets") || !strings.Contains(m[0].direct, "facets") {
		t.Error("only the next-page query goes without facets")
	}
}
