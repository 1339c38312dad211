package trust

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers the gateway signs. Subgraphs trust HeaderCustomer only when HeaderSignature is
// the gateway's HMAC of it and HeaderTimestamp, and the timestamp is recent.
const (
	HeaderPrefix    = "X-Shopgraph-"
	HeaderCustomer  = "X-Shopgraph-Customer"
	HeaderTimestamp = "X-Shopgraph-Timestamp"
	HeaderSignature = "X-Shopgraph-Signature"

	// HeaderCartToken carries a guest's cart token: whoever holds it may read and change
	// that one guest cart. Clients send it; the gateway passes it on unchanged.
	HeaderCartToken = "X-Cart-Token"
)

// ForwardedHeaders are the headers a gateway must pass on to subgraphs for callers to be
// known there: the signed customer headers and the guest cart token.
var ForwardedHeaders = []string{HeaderCustomer, HeaderTimestamp, HeaderSignature, HeaderCartToken}

// MaxSkew is how far a signed timestamp may be from the subgraph's clock, either way. It
// bounds how long a captured set of headers can be replayed and tolerates clock drift
// between replicas.
const MaxSkew = 5 * time.Minute

// maxCustomerID bounds what a subgraph hashes for a header it has not yet trusted.
const maxCustomerID = 128

// Signer signs and checks the customer headers with the gateway secret.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer with the shared gateway secret.
func NewSigner(secret []byte) *Signer {
	return &Signer{key: append([]byte(nil), secret...), now: time.Now}
}

// Sign sets the signed customer headers on h, replacing any that are there.
func (s *Signer) Sign(h http.Header, customerID string) {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	h.Set(HeaderCustomer, customerID)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, s.signature(customerID, ts))
}

// Verify returns the customer the headers name when their signature is the gateway's and
// their timestamp is within MaxSkew; otherwise ok is false and the caller is a guest.
func (s *Signer) Verify(h http.Header) (customerID string, ok bool) {
	// Exactly one value each: a proxy that appends a second value must not get one of them
	// checked and the other used.
	ids, tss, sigs := h.Values(HeaderCustomer), h.Values(HeaderTimestamp), h.Values(HeaderSignature)
	if len(ids) != 1 || len(tss) != 1 || len(sigs) != 1 {
		return "", false
	}
	id, ts, sig := ids[0], tss[0], sigs[0]
	if id == "" || len(id) > maxCustomerID || strings.ContainsAny(id, "|\r\n") {
		return "", false
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", false
	}
	if skew := s.now().Sub(time.Unix(unix, 0)); skew > MaxSkew || skew < -MaxSkew {
		return "", false
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(id, ts)) {
		return "", false
	}
	return id, true
}

func (s *Signer) signature(customerID, ts string) string {
	return hex.EncodeToString(s.mac(customerID, ts))
}

// mac is HMAC-SHA256 over "<customer id>|<unix seconds>".
func (s *Signer) mac(customerID, ts string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(customerID))
	m.Write([]byte{'|'})
	m.Write([]byte(ts))
	return m.Sum(nil)
}

// Middleware puts the caller in each request's context: the customer of the gateway's
// signed headers, or a guest when they are missing, stale or forged. It runs in front of a
// subgraph's GraphQL handler.
func Middleware(secret []byte) func(http.Handler) http.Handler {
	return NewSigner(secret).Middleware
}

// Middleware is the package Middleware with this Signer.
func (s *Signer) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if id, ok := s.Verify(r.Header); ok {
			ctx = WithCustomer(ctx, id)
		} else {
			// Whatever an outer layer put in the context, an unsigned request is a guest.
			ctx = WithCustomer(ctx, "")
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
