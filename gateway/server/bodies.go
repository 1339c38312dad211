package server

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/ast"
)

// bodies remembers how recent small JSON request bodies decode, so the same request sent
// again (every storefront page asks the same few queries) skips the JSON decoder. Only
// decoding is skipped: the request is still resolved, validated, admitted and run as any.
type bodies struct {
	mu sync.RWMutex
	m  map[string]*decodedBody
}

// decodedBody is a body's decoded request and its digest. Its variables are never handed
// out, only copies: coercing variables fills defaults into input objects in place.
type decodedBody struct {
	req    wireRequest
	digest [sha256.Size]byte
	// kind is the operation type of the request, once worked out (Gateway.kind).
	kind atomic.Pointer[ast.Operation]
}

const (
	maxBodies     = 256      // bodies remembered
	maxCachedBody = 16 << 10 // longest body remembered
)

// decode decodes a JSON request body, from memory when the same bytes were decoded before.
func (c *bodies) decode(body []byte, into *wireRequest) error {
	c.mu.RLock()
	d, ok := c.m[string(body)]
	c.mu.RUnlock()
	if ok {
		*into = d.req
		into.Variables = copyJSON(d.req.Variables).(map[string]any)
		into.digest, into.body = &d.digest, d
		return nil
	}
	if err := json.Unmarshal(body, into); err != nil {
		return err
	}
	digest, ok := requestDigest(into.OperationName, into.Query, into.Variables)
	if !ok {
		return nil
	}
	into.digest = &digest
	if len(body) > maxCachedBody {
		return nil
	}
	d = &decodedBody{req: *into, digest: digest}
	d.req.Variables = copyJSON(into.Variables).(map[string]any)
	d.req.digest = nil
	into.body = d
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*decodedBody{}
	}
	if len(c.m) >= maxBodies {
		for k := range c.m { // any one: a stream of distinct bodies keeps replacing entries
			delete(c.m, k)
			break
		}
	}
	c.m[string(body)] = d
	c.mu.Unlock()
	return nil
}

// requestDigest identifies a request's operation name, query and variables: equal requests,
// equal digests (json.Marshal sorts map keys; each part is prefixed by its length).
func requestDigest(operationName, query string, vars map[string]any) ([sha256.Size]byte, bool) {
	var sum [sha256.Size]byte
	enc, err := json.Marshal(vars)
	if err != nil {
		return sum, false
	}
	h := sha256.New()
	var n [8]byte
	for _, part := range [][]byte{[]byte(operationName), []byte(query), enc} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	h.Sum(sum[:0])
	return sum, true
}

// copyJSON copies a decoded JSON value deeply: its maps and slices, not its scalars.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = copyJSON(x)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyJSON(x)
		}
		return out
	default:
		return v
	}
}

// readBody reads a request body, at most maxBody bytes of it, into buf.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	for len(buf) < maxBody {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), maxBody)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
