package persisted

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	productsQuery  = "query Products { products { id name } }"
	renameMutation = "mutation Rename { rename(id: \"1\", name: \"x\") { id } }"
)

func apolloManifest(t testing.TB, ops ...ManifestOperation) []byte {
	t.Helper()
	b, err := json.Marshal(Manifest{Format: ManifestFormat, Version: 1, Operations: ops})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func op(name, body string) ManifestOperation {
	return ManifestOperation{ID: Hash(body), Name: name, Type: "query", Body: body}
}

func TestParseManifest(t *testing.T) {
	good := op("Products", productsQuery)
	wrongID := op("Products", productsQuery)
	wrongID.ID = Hash("{ other }")
	upper := op("Products", productsQuery)
	upper.ID = "sha256:" + strings.ToUpper(upper.ID)
	tests := []struct {
		name    string
		in      string
		want    int    // documents loaded
		wantErr string // part of the error
	}{
		{"apollo", string(apolloManifest(t, good)), 1, ""},
		{"apollo prefixed upper-case id", string(apolloManifest(t, upper)), 1, ""},
		{"apollo empty", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[]}`, 0, ""},
		{"map", `{"` + Hash(productsQuery) + `":"` + productsQuery + `"}`, 1, ""},
		{"map prefixed", `{"sha256:` + Hash(productsQuery) + `":"` + productsQuery + `"}`, 1, ""},
		{"apollo wrong id", string(apolloManifest(t, wrongID)), 0, "is not the sha256 of its body"},
		{"map wrong id", `{"` + Hash("{ other }") + `":"` + productsQuery + `"}`, 0, "is not the sha256 of its body"},
		{"map id not a hash", `{"Products":"` + productsQuery + `"}`, 0, "is not a sha256 hash"},
		{"map value not a string", `{"` + Hash(productsQuery) + `":{"body":"x"}}`, 0, "want a document string"},
		{"unknown format", `{"format":"relay","version":1,"operations":[]}`, 0, `manifest format "relay"`},
		{"unknown version", `{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}`, 0, "version 2 is not supported"},
		{"empty body", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"` + Hash("") + `","name":"E","body":""}]}`, 0, "empty body"},
		{"not JSON", `{"format":`, 0, "not a JSON object"},
		{"array", `[]`, 0, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, _, err := ParseManifest([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != tt.want {
				t.Fatalf("%d documents, want %d", len(docs), tt.want)
			}
			if d, ok := docs[Hash(productsQuery)]; tt.want == 1 && (!ok || d.Body != productsQuery) {
				t.Errorf("document under the lowercase hash = %+v, %v", d, ok)
			}
		})
	}
}
