package memory

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// benchEngine is an engine of n products shaped like the seeded store's: a title of a few
// words, a description of about thirty, a brand and a three-level category path.
func benchEngine(b *testing.B, n int) *Engine {
	b.Helper()
	e, err := Open("")
	if err != nil {
		b.Fatal(err)
	}
	words := []string{"wireless", "studio", "headphones", "compact", "speaker", "kitchen", "steel",
		"portable", "noise", "cancelling", "bluetooth", "ceramic", "ergonomic", "keyboard", "walnut"}
	docs := make([]search.Document, 0, 10_000)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		w := func(k int) string { return words[(i*7+k*13)%len(words)] }
		desc := ""
		for k := range 30 {
			desc += w(k) + " "
		}
		docs = append(docs, search.Document{
			ID: fmt.Sprintf("01J%023d", i), Title: w(1) + " " + w(2) + " " + w(3) + " " + strconv.Itoa(i),
			Description: desc, BrandID: "brand-" + strconv.Itoa(i%200), BrandName: "Brand " + strconv.Itoa(i%200),
			CategoryPath: []string{"c" + strconv.Itoa(i%8), "c" + strconv.Itoa(i%64), "c" + strconv.Itoa(i%512)},
			PriceMin:     int64(500 + i%90_000), Currency: "EUR", Rating: float64(i%50) / 10, ReviewCount: i % 400,
			InStock: i%5 != 0, CreatedAt: base.Add(time.Duration(i) * time.Minute),
		})
		if len(docs) == cap(docs) {
			e.ix.upsertAll(docs)
			docs = docs[:0]
		}
	}
	e.ix.upsertAll(docs)
	return e
}

func (ix *index) upsertAll(docs []search.Document) {
	for _, d := range docs {
		ix.upsert(d)
	}
}

func benchProducts() []int {
	if v := os.Getenv("SEARCH_SNAPSHOT_BENCH_PRODUCTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil {
			return []int{n}
		}
	}
	return []int{100_000}
}

// BenchmarkSnapshot times the periodic snapshot at n products: the copy taken under the read
// lock, a chunk at a time (writers wait for one chunk), the whole write (copy, encode, fsync, rename), and the load.
func BenchmarkSnapshot(b *testing.B) {
	for _, n := range benchProducts() {
		e := benchEngine(b, n)
		e.dir = b.TempDir()
		b.Run(fmt.Sprintf("copy/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := e.copyDocs(); !ok {
					b.Fatal("closed")
				}
			}
		})
		b.Run(fmt.Sprintf("write/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var st snapshotStats
			for b.Loop() {
				var err error
				if st, err = e.snapshot(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(st.Bytes)/1e6, "MB")
		})
		b.Run(fmt.Sprintf("load/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ix, _, err := readSnapshot(filepath.Join(e.dir, snapshotFile))
				if err != nil || ix.len() != n {
					b.Fatalf("loaded %v products: %v", ix, err)
				}
			}
		})
	}
}
