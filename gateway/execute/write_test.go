package execute

import (
	"encoding/json"
	"testing"
)

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		resp *Response
		want string
	}{
		{"null data", &Response{}, `{"data":null}`},
		{"ordered object", &Response{Data: &Object{Keys: []string{"b", "a"}, Values: []any{json.Number("1"), true}}}, `{"data":{"b":1,"a":true}}`},
		{"escapes", &Response{Data: &Object{Keys: []string{"s"}, Values: []any{"q\"\\\n\t\x01é\u2028"}}}, `{"data":{"s":"q\"\\\n\t\u0001é\u2028"}}`},
		{"invalid utf-8", &Response{Data: []any{"a\xffb"}}, `{"data":["a\ufffdb"]}`},
		{"raw and lists", &Response{Data: []any{json.RawMessage(`{"x":1}`), nil, 1.5, "x"}}, `{"data":[{"x":1},null,1.5,"x"]}`},
		{"errors", &Response{Errors: []*Error{{Message: "boom", Path: []any{"a", 1}}}}, `{"data":null,"errors":[{"message":"boom","path":["a",1]}]}`},
	}
	for _, tt := range tests {
		got := string(tt.resp.AppendJSON(nil))
		if got != tt.want {
			t.Errorf("%s: got %s want %s", tt.name, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: invalid JSON %s", tt.name, got)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"\\", "\x00\x1f", "é\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, b, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q: round trip %q, want %q", s, back, wantBack)
		}
	})
}
