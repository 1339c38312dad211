package bleve

import (
	"context"
	"slices"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
)

// TestOpenStartsEmptyOnAnotherMappingVersion: an index written with other fields would sort
// and count wrongly, so Open replaces it with an empty one for the indexer to rebuild.
func TestOpenStartsEmptyOnAnotherMappingVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert(ctx, searchtest.Documents()); err != nil {
		t.Fatal(err)
	}
	if err := e.live.SetInternal(internalMappingVersion, []byte("1")); err != nil {
		t.Fatal(err)
	}
	oldName := e.name
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.name == oldName {
		t.Fatalf("reopened the index of another mapping version %s", oldName)
	}
	r, err := again.Search(ctx, search.Query{First: 1})
	if err != nil || r.TotalCount != 0 {
		t.Fatalf("replaced index holds %d products, %v; want an empty one", r.TotalCount, err)
	}
}

func TestBucketNames(t *testing.T) {
	cases := []struct {
		v    float64
		want []string
	}{
		{0, []string{"under-25"}},
		{2499, []string{"under-25"}},
		{2500, []string{"25-50"}},
		{50000, []string{"500-and-up"}},
	}
	for _, c := range cases {
		got := bucketNames(search.PriceBuckets, c.v)
		if len(got) != 1 || got[0] != c.want[0] {
			t.Errorf("price %v: buckets %v, want %v", c.v, got, c.want)
		}
	}
	if got := bucketNames(search.RatingBuckets, 3.5); !slices.Equal(got, []string{"3-and-up", "2-and-up", "1-and-up"}) {
		t.Errorf("rating 3.5: buckets %v, want [3-and-up 2-and-up 1-and-up]", got)
	}
}
