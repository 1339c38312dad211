package identityresolvers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/resolvers/graphqltest"

	identityresolvers "github.com/shopgraph/shopgraph/resolvers/identity"
	"github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

var (
	tokenSecret   = []byte("token-secret-token-secret-token-s")
	gatewaySecret = []byte("gateway-secret-gateway-secret-ga")
)

type fixture struct {
	handler http.Handler
	tokens  *trust.Tokens
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	if err := postgres.Seed(context.Background(), pool, 3); err != nil {
		t.Fatal(err)
	}
	tokens := trust.NewTokens(tokenSecret)
	return fixture{handler: identityresolvers.NewHandler(postgres.NewStore(pool), tokens, gatewaySecret), tokens: tokens}
}

// post sends a GraphQL request; header adds the caller's headers.
func post(t *testing.T, h http.Handler, header http.Header, query string, vars map[string]any) graphqltest.Response {
	t.Helper()
	return graphqltest.PostWith(t, h, header, query, vars)
}

func signedAs(customerID string) http.Header {
	h := http.Header{}
	trust.NewSigner(gatewaySecret).Sign(h, customerID)
	return h
}

const loginMutation = `mutation($email: String!, $password: String!) {
	login(input: {email: $email, password: $password}) {
		token expiresAt customer { id email name } userErrors { code message field }
	}
}`

type loginPayload struct {
	Login struct {
		Token      *string
		ExpiresAt  *time.Time
		Customer   *struct{ ID, Email, Name string }
		UserErrors []struct {
			Code    string
			Message string
		}
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, email, password string
		wantCode              string // top-level code
		wantUserError         string
	}{
		{"seeded customer", postgres.SeedEmail(1), postgres.SeedPassword, "", ""},
		{"email in other case and spaces", "  Customer2@Example.COM ", postgres.SeedPassword, "", ""},
		{"wrong password", postgres.SeedEmail(1), "not-the-password", "", "INVALID_CREDENTIALS"},
		{"unknown email", "nobody@example.com", postgres.SeedPassword, "", "INVALID_CREDENTIALS"},
		{"malformed email", "customer1", postgres.SeedPassword, "BAD_USER_INPUT", ""},
		{"empty password", postgres.SeedEmail(1), "", "BAD_USER_INPUT", ""},
		{"password over 72 bytes", postgres.SeedEmail(1), strings.Repeat("p", 73), "BAD_USER_INPUT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, f.handler, nil, loginMutation, map[string]any{"email": tt.email, "password": tt.password})
			if resp.Code() != tt.wantCode {
				t.Fatalf("errors %+v, want code %q", resp.Errors, tt.wantCode)
			}
			if tt.wantCode != "" {
				return
			}
			var got loginPayload
			if err := json.Unmarshal(resp.Data, &got); err != nil {
				t.Fatal(err)
			}
			p := got.Login
			if tt.wantUserError != "" {
				if len(p.UserErrors) != 1 || p.UserErrors[0].Code != tt.wantUserError || p.Token != nil || p.Customer != nil {
					t.Fatalf("payload %+v, want only userError %s", p, tt.wantUserError)
				}
				if p.UserErrors[0].Message != "email or password is incorrect" {
					t.Fatalf("message %q must not say which was wrong", p.UserErrors[0].Message)
				}
				return
			}
			if p.Token == nil || p.Customer == nil || len(p.UserErrors) != 0 {
				t.Fatalf("payload %+v, want a token and a customer", p)
			}
			sub, err := f.tokens.Verify(*p.Token)
			if err != nil || sub != p.Customer.ID {
				t.Fatalf("token names %q (%v), want %s", sub, err, p.Customer.ID)
			}
			if p.Customer.Email != strings.ToLower(strings.TrimSpace(tt.email)) {
				t.Fatalf("email %q", p.Customer.Email)
			}
			if d := time.Until(*p.ExpiresAt); d < 23*time.Hour || d > 24*time.Hour {
				t.Fatalf("token expires in %v, want 24h", d)
			}
		})
	}
}

func TestMe(t *testing.T) {
	f := newFixture(t)
	me := postgres.SeedCustomerID(1)
	forged := http.Header{}
	trust.NewSigner([]byte("a-client-guessing-the-secret-xxx")).Sign(forged, me)
	unsigned := http.Header{trust.HeaderCustomer: {me}}

	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"guest", nil, `{"me":null}`},
		{"signed in", signedAs(me), `{"me":{"id":"` + me + `","email":"customer1@example.com"}}`},
		{"customer header without signature", unsigned, `{"me":null}`},
		{"customer header signed with another secret", forged, `{"me":null}`},
		{"customer that does not exist", signedAs("01JZZZZZZZZZZZZZZZZZZZZZZZ"), `{"me":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, f.handler, tt.header, `{ me { id email } }`, nil)
			if len(resp.Errors) != 0 || string(resp.Data) != tt.want {
				t.Fatalf("got %s %+v, want %s", resp.Data, resp.Errors, tt.want)
			}
		})
	}
}

func TestCustomerEntityIsOnlyForItsCustomer(t *testing.T) {
	f := newFixture(t)
	a, b := postgres.SeedCustomerID(1), postgres.SeedCustomerID(2)
	query := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id email } } }`
	reps := map[string]any{"r": []any{map[string]any{"__typename": "Customer", "id": b}}}

	if resp := post(t, f.handler, signedAs(a), query, reps); resp.Code() != "NOT_FOUND" || strings.Contains(string(resp.Data), "customer2") {
		t.Fatalf("A reading B: %s %+v, want NOT_FOUND", resp.Data, resp.Errors)
	}
	if resp := post(t, f.handler, nil, query, reps); resp.Code() != "NOT_FOUND" {
		t.Fatalf("guest reading B: %+v, want NOT_FOUND", resp.Errors)
	}
	resp := post(t, f.handler, signedAs(b), query, reps)
	if len(resp.Errors) != 0 || !strings.Contains(string(resp.Data), "customer2@example.com") {
		t.Fatalf("B reading B: %s %+v", resp.Data, resp.Errors)
	}
}

func TestServiceSDL(t *testing.T) {
	f := newFixture(t)
	resp := post(t, f.handler, nil, `{ _service { sdl } }`, nil)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	if err := json.Unmarshal(resp.Data, &got); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`@link(`, `type Customer @key(fields: "id")`, `type UserError @shareable`} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("sdl lacks %s", want)
		}
	}
}

func TestSeedIsDeterministicAndRepeatable(t *testing.T) {
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	ctx := context.Background()
	for range 2 {
		if err := postgres.Seed(ctx, pool, 5); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var id5 string
	if err := pool.QueryRow(ctx, `SELECT count(*), max(id) FILTER (WHERE email = 'customer5@example.com') FROM identity.customer`).Scan(&n, &id5); err != nil {
		t.Fatal(err)
	}
	if n != 5 || id5 != postgres.SeedCustomerID(5) {
		t.Fatalf("%d customers, customer5 is %s; want 5 and %s", n, id5, postgres.SeedCustomerID(5))
	}
}

// TestLoginIssuesTheAccountsRole: the seeded staff account's token says staff, a customer's
// says customer, and seeding staff twice keeps one account.
func TestLoginIssuesTheAccountsRole(t *testing.T) {
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	ctx := context.Background()
	if err := postgres.Seed(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := postgres.SeedStaff(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	tokens := trust.NewTokens(tokenSecret)
	h := identityresolvers.NewHandler(postgres.NewStore(pool), tokens, gatewaySecret)
	for _, tt := range []struct {
		email, password string
		want            trust.Caller
	}{
		{postgres.StaffEmail, postgres.StaffPassword, trust.Caller{CustomerID: postgres.StaffID(), Role: trust.RoleStaff}},
		{postgres.SeedEmail(1), postgres.SeedPassword, trust.Caller{CustomerID: postgres.SeedCustomerID(1), Role: trust.RoleCustomer}},
	} {
		resp := post(t, h, nil, loginMutation, map[string]any{"email": tt.email, "password": tt.password})
		var got loginPayload
		if err := json.Unmarshal(resp.Data, &got); err != nil || got.Login.Token == nil {
			t.Fatalf("login %s: %s %+v", tt.email, resp.Data, resp.Errors)
		}
		if c, err := tokens.VerifyCaller(*got.Login.Token); err != nil || c != tt.want {
			t.Fatalf("login %s: token names %+v (%v), want %+v", tt.email, c, err, tt.want)
		}
	}
	var staff int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM identity.customer WHERE role = 'staff'`).Scan(&staff); err != nil || staff != 1 {
		t.Fatalf("%d staff accounts (%v), want 1", staff, err)
	}
}

// TestMeRole: me says what the account may do, as the account is stored (a token signed before
// a change of role still carries the old one).
func TestMeRole(t *testing.T) {
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	ctx := context.Background()
	if err := postgres.Seed(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	if err := postgres.SeedStaff(ctx, pool); err != nil {
		t.Fatal(err)
	}
	tokens := trust.NewTokens(tokenSecret)
	h := identityresolvers.NewHandler(postgres.NewStore(pool), tokens, gatewaySecret)
	signed := func(c trust.Caller) http.Header {
		hdr := http.Header{}
		trust.NewSigner(gatewaySecret).SignCaller(hdr, c)
		return hdr
	}
	staff, customer := postgres.StaffID(), postgres.SeedCustomerID(1)
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"staff", signed(trust.Caller{CustomerID: staff, Role: trust.RoleStaff}), `{"me":{"id":"` + staff + `","role":"STAFF"}}`},
		{"customer", signed(trust.Caller{CustomerID: customer, Role: trust.RoleCustomer}), `{"me":{"id":"` + customer + `","role":"CUSTOMER"}}`},
		{"staff account signed as a customer", signed(trust.Caller{CustomerID: staff, Role: trust.RoleCustomer}), `{"me":{"id":"` + staff + `","role":"STAFF"}}`},
		{"guest", nil, `{"me":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, h, tt.header, `{ me { id role } }`, nil)
			if len(resp.Errors) != 0 || string(resp.Data) != tt.want {
				t.Fatalf("got %s %+v, want %s", resp.Data, resp.Errors, tt.want)
			}
		})
	}

	resp := post(t, h, nil, `mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { customer { role } } }`,
		map[string]any{"e": postgres.StaffEmail, "p": postgres.StaffPassword})
	if want := `{"login":{"customer":{"role":"STAFF"}}}`; len(resp.Errors) != 0 || string(resp.Data) != want {
		t.Fatalf("staff login: %s %+v, want %s", resp.Data, resp.Errors, want)
	}
}
