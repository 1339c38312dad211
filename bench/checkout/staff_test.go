package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	identity "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
)

// The flags' defaults are the staff account `shopgraph seed` adds.
func TestStaffDefaultsAreTheSeededAccount(t *testing.T) {
	if defaultStaffEmail != identity.StaffEmail || defaultStaffPassword != identity.StaffPassword {
		t.Fatalf("defaults %s / %s, seeded staff %s / %s", defaultStaffEmail, defaultStaffPassword, identity.StaffEmail, identity.StaffPassword)
	}
}

func TestValidateNeedsStaffCredentials(t *testing.T) {
	base := options{url: "http://127.0.0.1:4000/graphql", n: 10, c: 2, setupC: 2, maxLines: 3, skus: 5, units: 1, attempts: 1, budget: time.Minute}
	for _, staff := range []credentials{{}, {email: defaultStaffEmail}, {password: defaultStaffPassword}} {
		o := base
		o.staff = staff
		if err := o.validate(); err == nil || !strings.Contains(err.Error(), "-staff-") {
			t.Errorf("validate with staff %+v = %v, want an error naming the staff flags", staff, err)
		}
	}
}

// staffGateway answers login for the seeded staff account only, and restock and setHotSku
// for that account's token only, as the store does.
func staffGateway(t *testing.T) (url string, restocks *int) {
	t.Helper()
	const token = "staff-token"
	restocks = new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string
			Variables map[string]any
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("decode request: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		reply := func(v string) { _, _ = w.Write([]byte(v)) }
		staff := r.Header.Get("Authorization") == "Bearer "+token
		switch {
		case strings.Contains(req.Query, "login("):
			in, _ := req.Variables["in"].(map[string]any)
			if in["email"] == defaultStaffEmail && in["password"] == defaultStaffPassword {
				reply(`{"data":{"login":{"token":"` + token + `","userErrors":[]}}}`)
				return
			}
			reply(`{"data":{"login":{"token":null,"userErrors":[{"code":"INVALID_CREDENTIALS","message":"wrong email or password"}]}}}`)
		case !staff && r.Header.Get("Authorization") == "":
			reply(`{"data":null,"errors":[{"message":"sign in as staff to change stock","extensions":{"code":"UNAUTHENTICATED"}}]}`)
		case !staff:
			reply(`{"data":null,"errors":[{"message":"only staff may change stock","extensions":{"code":"FORBIDDEN"}}]}`)
		case strings.Contains(req.Query, "restock("):
			*restocks++
			reply(`{"data":{"restock":{"stockLevel":{"available":5},"userErrors":[]}}}`)
		case strings.Contains(req.Query, "setHotSku("):
			reply(`{"data":{"setHotSku":{"hot":true,"userErrors":[]}}}`)
		default:
			t.Errorf("unexpected operation %q", req.Query)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, restocks
}

func TestStockIsPreparedAsStaff(t *testing.T) {
	url, restocks := staffGateway(t)
	c := newClient(url, 1)
	ctx := t.Context()

	if err := restock(ctx, c, auth{}, "SKU-1", "fc", 5); err == nil || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
		t.Fatalf("restock as a guest = %v, want UNAUTHENTICATED", err)
	}
	if _, err := signInStaff(ctx, c, credentials{defaultStaffEmail, "wrong"}); err == nil ||
		!strings.Contains(err.Error(), "-staff-email") || !strings.Contains(err.Error(), "INVALID_CREDENTIALS") {
		t.Fatalf("staff sign-in with a wrong password = %v, want INVALID_CREDENTIALS naming the flags", err)
	}
	staff, err := signInStaff(ctx, c, credentials{defaultStaffEmail, defaultStaffPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := restock(ctx, c, staff, "SKU-1", "fc", 5); err != nil {
		t.Fatalf("restock as staff: %v", err)
	}
	if err := setHot(ctx, c, staff, "SKU-1", true); err != nil {
		t.Fatalf("setHotSku as staff: %v", err)
	}
	if *restocks != 1 {
		t.Errorf("the gateway took %d restocks, want 1", *restocks)
	}
}
