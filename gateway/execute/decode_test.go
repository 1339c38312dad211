package execute

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func stdDecode(data []byte) (any, error) {
	if !json.Valid(data) {
		return nil, &json.SyntaxError{}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func TestDecodeValue(t *testing.T) {
	tests := []string{
		`{"data":{"a":[1,-2.5e3,true,false,null,"x\u00e9\n\"\\\/"],"b":{}}}`,
		`[]`, `{}`, `"\ud83d\ude00"`, `0`, `-0.1`, ` { "a" : [ 1 , 2 ] } `,
	}
	for _, in := range tests {
		got, err := decodeValue([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		want, _ := stdDecode([]byte(in))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v want %#v", in, got, want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,]`, `tru`, `01`, `"a`, "\"\x01\"", `{"a":1}x`, `1.`, `-`} {
		if _, err := decodeValue([]byte(bad)); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
}

func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{`{"data":{"a":[1,2.5,"x",null,true]}}`, `"\ud800"`, `[{"a":{"b":[]}}]`, `1e5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decodeValue(data)
		want, stdErr := stdDecode(data)
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("%q: err %v, encoding/json err %v", data, err, stdErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v want %#v", data, got, want)
		}
	})
}
