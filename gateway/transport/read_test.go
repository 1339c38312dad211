package transport

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		length  int64
		limit   int64
		want    string
		wantErr bool
	}{
		{"sized by Content-Length", `{"data":{}}`, 11, 1 << 20, `{"data":{}}`, false},
		{"no Content-Length", `{"data":{}}`, -1, 1 << 20, `{"data":{}}`, false},
		{"cut short by the subgraph", `{"da`, 11, 1 << 20, "", true},
		{"over the limit without Content-Length", `{"data":{}}`, -1, 4, `{"da`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Body: io.NopCloser(strings.NewReader(tt.body)), ContentLength: tt.length}
			got, err := readBody(resp, tt.limit)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && string(got) != tt.want {
				t.Fatalf("body = %q, want %q", got, tt.want)
			}
		})
	}
}
