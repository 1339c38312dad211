package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIPBehind returns a Policy.Caller that names the client by IP when the gateway runs
// behind proxies: a connection from a trusted proxy is attributed to the nearest address in
// X-Forwarded-For that is not itself a trusted proxy (the rightmost untrusted one, which no
// client can forge past the proxies); any other connection to its own address. With no
// trusted proxies it is the connection's address, and forwarding headers are ignored.
func ClientIPBehind(trusted []netip.Prefix) func(r *http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer := clientIP(r)
		addr, err := netip.ParseAddr(peer)
		if err != nil || !isTrusted(addr) {
			return peer
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				return peer // a malformed chain: count the proxy, not a guess
			}
			if !isTrusted(hop) {
				return hop.Unmap().String()
			}
		}
		return peer
	}
}

// ParsePrefixes reads comma-separated CIDRs or addresses ("10.0.0.0/8,192.168.1.7").
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
