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

// The headers the gateway signs. Subgraphs trust HeaderCustomer and HeaderRole only when
// HeaderSignature is the gateway's HMAC of them and HeaderTimestamp, and the timestamp is recent.
const (
	HeaderPrefix    = "X-Shopgraph-"
	HeaderCustomer  = "X-Shopgraph-Customer"
	HeaderRole      = "X-Shopgraph-Role"
	HeaderTimestamp = "X-Shopgraph-Timestamp"
	HeaderSignature = "X-Shopgraph-Signature"

	// HeaderCartToken carries a guest's cart token: whoever holds it may read and change
	// that one guest cart. Clients send it; the gateway passes it on unchanged.
	HeaderCartToken = "X-Cart-Token"
)

// ForwardedHeaders are the headers a gateway must pass on to subgraphs for callers to be
// known there: the signed caller headers and the guest cart token.
var ForwardedHeaders = []string{HeaderCustomer, HeaderRole, HeaderTimestamp, HeaderSignature, HeaderCartToken}

// MaxSkew is how far a signed timestamp may be from the subgraph's clock, either way. It
// bounds how long a captured set of headers can be replayed and tolerates clock drift
// between replicas.
const MaxSkew = 5 * time.Minute

// maxCustomerID bounds what a subgraph hashes for a header it has not yet trusted.
const maxCustomerID = 128

// Signer signs and checks the caller headers with the gateway secret.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer with the shared gateway secret.
func NewSigner(secret []byte) *Signer {
	return &Signer{key: append([]byte(nil), secret...), now: time.Now}
}

// Sign sets the signed headers of a customer (role RoleCustomer) on h, replacing any that are
// there.
func (s *Signer) Sign(h http.Header, customerID string) {
	s.SignCaller(h, Caller{CustomerID: customerID, Role: RoleCustomer})
}

// SignCaller sets the signed headers of the caller on h, replacing any that are there. The
// role is covered by the signature, so a client cannot raise its own.
func (s *Signer) SignCaller(h http.Header, c Caller) {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	h.Set(HeaderCustomer, c.CustomerID)
	h.Set(HeaderRole, c.Role)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, hex.EncodeToString(s.mac(c.CustomerID, c.Role, ts)))
}

// Verify returns the customer the headers name when their signature is the gateway's and
// their timestamp is within MaxSkew; otherwise ok is false and the caller is a guest.
func (s *Signer) Verify(h http.Header) (customerID string, ok bool) {
	c, ok := s.VerifyCaller(h)
	return c.CustomerID, ok
}

// VerifyCaller returns the caller (customer and role) the headers name when their signature
// is the gateway's and their timestamp is within MaxSkew; otherwise ok is false and the caller
// is a guest.
func (s *Signer) VerifyCaller(h http.Header) (Caller, bool) {
	// Exactly one value each: a proxy that appends a second value must not get one of them
	// checked and the other used.
	ids, roles, tss, sigs := h.Values(HeaderCustomer), h.Values(HeaderRole), h.Values(HeaderTimestamp), h.Values(HeaderSignature)
	if len(ids) != 1 || len(roles) != 1 || len(tss) != 1 || len(sigs) != 1 {
		return Caller{}, false
	}
	id, role, ts, sig := ids[0], roles[0], tss[0], sigs[0]
	if id == "" || len(id) > maxCustomerID || strings.ContainsAny(id, "|\r\n") || !ValidRole(role) {
		return Caller{}, false
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Caller{}, false
	}
	if skew := s.now().Sub(time.Unix(unix, 0)); skew > MaxSkew || skew < -MaxSkew {
		return Caller{}, false
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(id, role, ts)) {
		return Caller{}, false
	}
	return Caller{CustomerID: id, Role: role}, true
}

// mac is HMAC-SHA256 over "<customer id>|<role>|<unix seconds>". Neither the id nor the role
// can hold a '|', so no two header sets share a message.
func (s *Signer) mac(customerID, role, ts string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(customerID))
	m.Write([]byte{'|'})
	m.Write([]byte(role))
	m.Write([]byte{'|'})
	m.Write([]byte(ts))
	return m.Sum(nil)
}

// Middleware puts the caller in each request's context: the customer and role of the gateway's
// signed headers, or a guest when they are missing, stale or forged. It runs in front of a
// subgraph's GraphQL handler.
func Middleware(secret []byte) func(http.Handler) http.Handler {
	return NewSigner(secret).Middleware
}

// Middleware is the package Middleware with this Signer.
func (s *Signer) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		// Whatever an outer layer put in the context, an unsigned request is a guest.
		c, _ := s.VerifyCaller(r.Header)
		ctx = WithCaller(ctx, c)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
