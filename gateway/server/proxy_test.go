package server

import (
	"net/http/httptest"
	"testing"
)

func TestClientIPBehind(t *testing.T) {
	trusted, err := ParsePrefixes("10.0.0.0/8, 192.168.1.7")
	if err != nil {
		t.Fatal(err)
	}
	caller := ClientIPBehind(trusted)
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct client ignores the header", "203.0.113.9:5000", []string{"1.2.3.4"}, "203.0.113.9"},
		{"one trusted proxy", "10.1.2.3:5000", []string{"198.51.100.4"}, "198.51.100.4"},
		{"a forged entry before the real client", "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.4"}, "198.51.100.4"},
		{"a chain of trusted proxies", "10.1.2.3:5000", []string{"198.51.100.4, 192.168.1.7", "10.9.9.9"}, "198.51.100.4"},
		{"only proxies", "10.1.2.3:5000", []string{"10.2.2.2"}, "10.1.2.3"},
		{"no header", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"malformed chain", "10.1.2.3:5000", []string{"198.51.100.4, not-an-ip"}, "10.1.2.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := caller(r); got != tc.want {
				t.Errorf("caller = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParsePrefixes("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR parsed")
	}
}
