package trust

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	secret  = []byte("0123456789abcdef0123456789abcdef")
	instant = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func signerAt(key []byte, now time.Time) *Signer {
	s := NewSigner(key)
	s.now = func() time.Time { return now }
	return s
}

func TestSignerVerifies(t *testing.T) {
	signed := http.Header{}
	signerAt(secret, instant).Sign(signed, "01JCUSTOMER0000000000000001")

	tests := []struct {
		name   string
		header func() http.Header
		now    time.Time
		key    []byte
		want   string
	}{
		{"as signed", signed.Clone, instant, secret, "01JCUSTOMER0000000000000001"},
		{"within the skew", signed.Clone, instant.Add(MaxSkew), secret, "01JCUSTOMER0000000000000001"},
		{"stale", signed.Clone, instant.Add(MaxSkew + time.Second), secret, ""},
		{"from the future", signed.Clone, instant.Add(-MaxSkew - time.Second), secret, ""},
		{"other secret", signed.Clone, instant, []byte("another-secret-another-secret-xx"), ""},
		{"customer swapped", func() http.Header {
			h := signed.Clone()
			h.Set(HeaderCustomer, "01JCUSTOMER0000000000000002")
			return h
		}, instant, secret, ""},
		{"timestamp moved", func() http.Header {
			h := signed.Clone()
			h.Set(HeaderTimestamp, strconv.FormatInt(instant.Unix()+1, 10))
			return h
		}, instant, secret, ""},
		{"no signature", func() http.Header {
			h := signed.Clone()
			h.Del(HeaderSignature)
			return h
		}, instant, secret, ""},
		{"signature not hex", func() http.Header {
			h := signed.Clone()
			h.Set(HeaderSignature, "zz")
			return h
		}, instant, secret, ""},
		{"customer twice", func() http.Header {
			h := signed.Clone()
			h.Add(HeaderCustomer, "01JCUSTOMER0000000000000002")
			return h
		}, instant, secret, ""},
		{"forged by a client", func() http.Header {
			return http.Header{HeaderCustomer: {"01JCUSTOMER0000000000000001"}, HeaderTimestamp: {strconv.FormatInt(instant.Unix(), 10)}, HeaderSignature: {strings.Repeat("ab", 32)}}
		}, instant, secret, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := signerAt(tt.key, tt.now).Verify(tt.header())
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("Verify = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestMiddlewarePutsTheCallerInContext(t *testing.T) {
	var seen []Caller
	h := signerAt(secret, instant).Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = append(seen, CallerFrom(r.Context()))
	}))
	good := httptest.NewRequest(http.MethodPost, "/", nil)
	signerAt(secret, instant).Sign(good.Header, "01JCUSTOMER0000000000000001")
	forged := httptest.NewRequest(http.MethodPost, "/", nil)
	signerAt([]byte("a-client-guessing-the-secret-xxx"), instant).Sign(forged.Header, "01JCUSTOMER0000000000000001")
	// A context that already names a customer does not survive an unsigned request.
	preset := httptest.NewRequest(http.MethodPost, "/", nil)
	preset = preset.WithContext(WithCustomer(preset.Context(), "01JCUSTOMER0000000000000003"))

	for _, r := range []*http.Request{good, forged, preset} {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	want := []Caller{{CustomerID: "01JCUSTOMER0000000000000001", Role: RoleCustomer}, {}, {}}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("request %d: caller %+v, want %+v", i, seen[i], want[i])
		}
	}
	if !seen[1].Guest() {
		t.Error("forged headers must make a guest")
	}
}

// TestSignerCoversTheRole: the role travels in its own header under the same signature, so a
// client (or a proxy) that raises it, drops it or doubles it gets a guest.
func TestSignerCoversTheRole(t *testing.T) {
	staff := Caller{CustomerID: "01JSTAFF00000000000000001", Role: RoleStaff}
	signed := http.Header{}
	signerAt(secret, instant).SignCaller(signed, staff)
	customer := http.Header{}
	signerAt(secret, instant).Sign(customer, "01JCUSTOMER0000000000000001")

	tests := []struct {
		name   string
		header http.Header
		want   Caller
	}{
		{"staff as signed", signed.Clone(), staff},
		{"customer as signed", customer.Clone(), Caller{CustomerID: "01JCUSTOMER0000000000000001", Role: RoleCustomer}},
		{"customer raised to staff", func() http.Header {
			h := customer.Clone()
			h.Set(HeaderRole, RoleStaff)
			return h
		}(), Caller{}},
		{"staff lowered", func() http.Header {
			h := signed.Clone()
			h.Set(HeaderRole, RoleCustomer)
			return h
		}(), Caller{}},
		{"role dropped", func() http.Header {
			h := signed.Clone()
			h.Del(HeaderRole)
			return h
		}(), Caller{}},
		{"role twice", func() http.Header {
			h := customer.Clone()
			h.Add(HeaderRole, RoleStaff)
			return h
		}(), Caller{}},
		{"unknown role signed", func() http.Header {
			h := http.Header{}
			signerAt(secret, instant).SignCaller(h, Caller{CustomerID: staff.CustomerID, Role: "admin"})
			return h
		}(), Caller{}},
		{"role moved into the id", func() http.Header {
			h := customer.Clone()
			h.Set(HeaderCustomer, "01JCUSTOMER0000000000000001|staff")
			return h
		}(), Caller{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := signerAt(secret, instant).VerifyCaller(tt.header)
			if got != tt.want || ok != !tt.want.Guest() {
				t.Fatalf("VerifyCaller = %+v, %v; want %+v", got, ok, tt.want)
			}
		})
	}
	var seen Caller
	h := signerAt(secret, instant).Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = CallerFrom(r.Context())
		if !IsStaff(r.Context()) {
			t.Error("IsStaff = false for signed staff headers")
		}
	}))
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header = signed.Clone()
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != staff {
		t.Fatalf("middleware caller %+v, want %+v", seen, staff)
	}
}

func TestTokensCarryTheRole(t *testing.T) {
	tokens := tokensAt(secret, instant)
	staff, _, err := tokens.IssueCaller(Caller{CustomerID: "01JSTAFF00000000000000001", Role: RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := tokens.VerifyCaller(staff); err != nil || c.Role != RoleStaff || c.CustomerID != "01JSTAFF00000000000000001" {
		t.Fatalf("staff token: %+v, %v", c, err)
	}
	customer, _, _ := tokens.Issue("01JCUSTOMER0000000000000001")
	if c, err := tokens.VerifyCaller(customer); err != nil || c.Role != RoleCustomer {
		t.Fatalf("customer token: %+v, %v", c, err)
	}
	// A token from before roles existed has no role claim: a customer's.
	legacy, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Issuer: tokenIssuer, Subject: "01JCUSTOMER0000000000000001",
		IssuedAt: jwt.NewNumericDate(instant), ExpiresAt: jwt.NewNumericDate(instant.Add(time.Hour))}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := tokens.VerifyCaller(legacy); err != nil || c.Role != RoleCustomer {
		t.Fatalf("token without role: %+v, %v; want a customer", c, err)
	}
	// Raising the role inside a customer's token breaks its signature.
	parts := strings.Split(customer, ".")
	payload, _ := jwt.NewParser().DecodeSegment(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"role":"customer"`, `"role":"staff"`, 1)))
	if _, err := tokens.VerifyCaller(strings.Join(parts, ".")); err == nil {
		t.Fatal("a customer token edited to staff was accepted")
	}
	unknown, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuer, Subject: "01JCUSTOMER0000000000000001",
		IssuedAt: jwt.NewNumericDate(instant), ExpiresAt: jwt.NewNumericDate(instant.Add(time.Hour))}, Role: "admin"}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.VerifyCaller(unknown); err == nil {
		t.Fatal("a token with an unknown role was accepted")
	}
	if _, _, err := tokens.IssueCaller(Caller{CustomerID: "01JCUSTOMER0000000000000001", Role: "admin"}); err == nil {
		t.Fatal("issuing a token for an unknown role must fail")
	}
}

func tokensAt(key []byte, now time.Time) *Tokens {
	t := NewTokens(key)
	t.now = func() time.Time { return now }
	return t
}

func TestTokens(t *testing.T) {
	issued, exp, err := tokensAt(secret, instant).Issue("01JCUSTOMER0000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if want := instant.Add(24 * time.Hour); !exp.Equal(want) {
		t.Fatalf("expires %v, want %v", exp, want)
	}
	sign := func(method jwt.SigningMethod, key any, claims jwt.Claims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	claims := func(mod func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := jwt.RegisteredClaims{
			Issuer: tokenIssuer, Subject: "01JCUSTOMER0000000000000001",
			IssuedAt: jwt.NewNumericDate(instant), ExpiresAt: jwt.NewNumericDate(instant.Add(time.Hour)),
		}
		mod(&c)
		return c
	}
	tests := []struct {
		name  string
		token string
		now   time.Time
		want  string
	}{
		{"fresh", issued, instant.Add(time.Minute), "01JCUSTOMER0000000000000001"},
		{"just before expiry", issued, instant.Add(24*time.Hour - time.Second), "01JCUSTOMER0000000000000001"},
		{"expired", issued, instant.Add(24*time.Hour + time.Second), ""},
		{"tampered payload", tamper(issued), instant, ""},
		{"other key", sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), claims(func(*jwt.RegisteredClaims) {})), instant, ""},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(func(*jwt.RegisteredClaims) {})), instant, ""},
		{"other algorithm", sign(jwt.SigningMethodHS512, secret, claims(func(*jwt.RegisteredClaims) {})), instant, ""},
		{"no expiry", sign(jwt.SigningMethodHS256, secret, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })), instant, ""},
		{"other issuer", sign(jwt.SigningMethodHS256, secret, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "elsewhere" })), instant, ""},
		{"no subject", sign(jwt.SigningMethodHS256, secret, claims(func(c *jwt.RegisteredClaims) { c.Subject = "" })), instant, ""},
		{"garbage", "not.a.token", instant, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokensAt(secret, tt.now).Verify(tt.token)
			if got != tt.want || (err == nil) != (tt.want != "") {
				t.Fatalf("Verify = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// tamper changes the subject inside a token's payload and keeps the signature.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	payload, _ := jwt.NewParser().DecodeSegment(parts[1])
	forged := strings.Replace(string(payload), "01JCUSTOMER0000000000000001", "01JCUSTOMER0000000000000002", 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	return strings.Join(parts, ".")
}

func TestSecretsFromEnv(t *testing.T) {
	t.Setenv(EnvTokenSecret, "")
	t.Setenv(EnvGatewaySecret, "")
	s, err := SecretsFromEnv()
	if err != nil || string(s.Token) != DevTokenSecret || string(s.Gateway) != DevGatewaySecret {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	t.Setenv(EnvTokenSecret, "short")
	if _, err := SecretsFromEnv(); err == nil {
		t.Fatal("a short JWT_SECRET must be refused")
	}
	t.Setenv(EnvTokenSecret, strings.Repeat("k", 32))
	t.Setenv(EnvGatewaySecret, strings.Repeat("k", 32))
	if _, err := SecretsFromEnv(); err == nil {
		t.Fatal("one secret for both boundaries must be refused")
	}
}
