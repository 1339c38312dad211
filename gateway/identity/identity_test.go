package identity

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

var (
	tokenSecret   = []byte("token-secret-token-secret-token-s")
	gatewaySecret = []byte("gateway-secret-gateway-secret-ga")
)

// upstream records the headers a request reaches the gateway's handler with, and who a
// subgraph behind it would take the caller to be.
type upstream struct {
	header http.Header
	caller string
	called bool
}

func (u *upstream) ServeHTTP(_ http.ResponseWriter, r *http.Request) {
	u.called = true
	u.header = r.Header.Clone()
	u.caller, _ = trust.NewSigner(gatewaySecret).Verify(r.Header)
}

func TestMiddleware(t *testing.T) {
	tokens := trust.NewTokens(tokenSecret)
	valid, _, err := tokens.Issue("01JCUSTOMER0000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, _ := trust.NewTokens([]byte("someone-elses-secret-someone-els")).Issue("01JCUSTOMER0000000000000001")
	forgedHeaders := http.Header{}
	trust.NewSigner([]byte("a-client-guessing-the-secret-xxx")).Sign(forgedHeaders, "01JCUSTOMER0000000000000002")
	// Headers captured from inside the network verify, so only stripping them stops a replay.
	capturedHeaders := http.Header{}
	trust.NewSigner(gatewaySecret).Sign(capturedHeaders, "01JCUSTOMER0000000000000002")

	tests := []struct {
		name       string
		header     http.Header
		wantStatus int
		wantCaller string
	}{
		{"guest", http.Header{}, http.StatusOK, ""},
		{"signed in", http.Header{"Authorization": {"Bearer " + valid}}, http.StatusOK, "01JCUSTOMER0000000000000001"},
		{"scheme in lower case", http.Header{"Authorization": {"bearer " + valid}}, http.StatusOK, "01JCUSTOMER0000000000000001"},
		{"token of another issuer", http.Header{"Authorization": {"Bearer " + foreign}}, http.StatusUnauthorized, ""},
		{"garbage token", http.Header{"Authorization": {"Bearer abc"}}, http.StatusUnauthorized, ""},
		{"basic auth", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, http.StatusUnauthorized, ""},
		{"two authorizations", http.Header{"Authorization": {"Bearer " + valid, "Bearer " + valid}}, http.StatusUnauthorized, ""},
		{"client sends customer headers", forgedHeaders, http.StatusOK, ""},
		{"client replays captured headers", capturedHeaders, http.StatusOK, ""},
		{"client headers beside a token", func() http.Header {
			h := forgedHeaders.Clone()
			h.Set("Authorization", "Bearer "+valid)
			return h
		}(), http.StatusOK, "01JCUSTOMER0000000000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := &upstream{}
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			req.Header = tt.header.Clone()
			req.Header.Set(trust.HeaderCartToken, "kept")
			rec := httptest.NewRecorder()
			New(tokens, trust.NewSigner(gatewaySecret)).Middleware(up).ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == http.StatusUnauthorized {
				if up.called {
					t.Fatal("a refused token reached the gateway")
				}
				var body struct {
					Errors []struct {
						Message    string
						Extensions map[string]any
					}
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != CodeUnauthenticated {
					t.Fatalf("body %s: want one UNAUTHENTICATED error", rec.Body)
				}
				return
			}
			if up.caller != tt.wantCaller {
				t.Fatalf("subgraphs would see customer %q, want %q", up.caller, tt.wantCaller)
			}
			if tt.wantCaller == "" && up.header.Get(trust.HeaderCustomer) != "" {
				t.Fatalf("a guest request kept %s: %q", trust.HeaderCustomer, up.header.Get(trust.HeaderCustomer))
			}
			if up.header.Get(trust.HeaderCartToken) != "kept" {
				t.Fatal("the cart token must reach the subgraphs")
			}
		})
	}
}

// TestRoleComesFromTheToken: subgraphs see the role the token was issued with, whatever role
// header the client sends.
func TestRoleComesFromTheToken(t *testing.T) {
	tokens := trust.NewTokens(tokenSecret)
	staff, _, err := tokens.IssueCaller(trust.Caller{CustomerID: "01JSTAFF00000000000000001", Role: trust.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	customer, _, _ := tokens.Issue("01JCUSTOMER0000000000000001")
	tests := []struct {
		name   string
		header http.Header
		want   trust.Caller
	}{
		{"staff token", http.Header{"Authorization": {"Bearer " + staff}}, trust.Caller{CustomerID: "01JSTAFF00000000000000001", Role: trust.RoleStaff}},
		{"customer claiming staff", http.Header{"Authorization": {"Bearer " + customer}, trust.HeaderRole: {trust.RoleStaff}},
			trust.Caller{CustomerID: "01JCUSTOMER0000000000000001", Role: trust.RoleCustomer}},
		{"guest claiming staff", http.Header{trust.HeaderRole: {trust.RoleStaff}}, trust.Caller{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got trust.Caller
			next := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				got, _ = trust.NewSigner(gatewaySecret).VerifyCaller(r.Header)
			})
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			req.Header = tt.header
			New(tokens, trust.NewSigner(gatewaySecret)).Middleware(next).ServeHTTP(httptest.NewRecorder(), req)
			if got != tt.want {
				t.Fatalf("subgraphs would see %+v, want %+v", got, tt.want)
			}
		})
	}
}
