package catalogresolvers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkEntities resolves 100 entities per request through the HTTP handler against
// Postgres, as a gateway's entity fetch does:
//
//	go test -run '^$' -bench Entities -benchtime 3s ./resolvers/catalog
func BenchmarkEntities(b *testing.B) {
	f := newCatalog(b, 10_000)
	ids := f.column(b, `SELECT id FROM catalog.product ORDER BY md5(id) LIMIT 100`)
	skus := f.column(b, `SELECT sku FROM catalog.variant ORDER BY md5(sku) LIMIT 100`)
	for _, bm := range []struct {
		name, query string
		reps        []map[string]any
	}{
		{"Product100", productEntities, productReps(ids)},
		{"Variant100", variantEntities, variantReps(skus)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			body, err := json.Marshal(map[string]any{"query": bm.query, "variables": map[string]any{"reps": bm.reps}})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
