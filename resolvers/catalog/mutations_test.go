package catalogresolvers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oklog/ulid/v2"

	catalogresolvers "github.com/shopgraph/shopgraph/resolvers/catalog"
	"github.com/shopgraph/shopgraph/resolvers/graphqltest"
	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

var gatewaySecret = []byte("gateway-secret-gateway-secret-ga")

const (
	staffID    = "01JSTAFF000000000000000001"
	customerID = "01JCUSTMR00000000000000001"
)

// authors is identity as the catalog sees it in these tests.
type authors map[string]string

func (a authors) AuthorName(_ context.Context, id string) (string, error) { return a[id], nil }

// editor is the catalog subgraph behind the gateway's signed headers.
type editor struct {
	*catalogFixture
	handler http.Handler
}

func newEditor(t *testing.T) editor {
	t.Helper()
	f := newCatalog(t, 12)
	h := catalogresolvers.NewHandler(postgres.NewStore(f.pool),
		catalogresolvers.WithGatewaySecret(gatewaySecret),
		catalogresolvers.WithAuthors(authors{customerID: "Ada Lovelace"}))
	return editor{catalogFixture: f, handler: h}
}

// as returns the subgraph as the caller reaches it through the gateway; a zero Caller is a guest.
func (e editor) as(c trust.Caller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.Guest() {
			trust.NewSigner(gatewaySecret).SignCaller(r.Header, c)
		}
		e.handler.ServeHTTP(w, r)
	})
}

var (
	staff    = trust.Caller{CustomerID: staffID, Role: trust.RoleStaff}
	customer = trust.Caller{CustomerID: customerID, Role: trust.RoleCustomer}
)

// forgedStaff is a customer's signed headers with the role raised on the way.
func (e editor) forgedStaff() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trust.NewSigner(gatewaySecret).SignCaller(r.Header, customer)
		r.Header.Set(trust.HeaderRole, trust.RoleStaff)
		e.handler.ServeHTTP(w, r)
	})
}

func (e editor) outbox(t *testing.T) []string {
	t.Helper()
	return e.column(t, `SELECT type || ':' || key FROM catalog.outbox ORDER BY id`)
}

const (
	updateProduct   = `mutation($id: ID!, $in: UpdateProductInput!) { updateProduct(id: $id, input: $in) { product { id title description brand { id } category { id } } userErrors { code } } }`
	setVariantPrice = `mutation($sku: String!, $p: MoneyInput!) { setVariantPrice(sku: $sku, price: $p) { variant { sku price { amount currency } product { id priceRange { min { amount } } } } userErrors { code } } }`
	addReview       = `mutation($id: ID!, $in: AddReviewInput!) { addReview(productId: $id, input: $in) { review { id rating title body authorName } product { id rating { average count } } userErrors { code } } }`
)

// fieldOf is extensions.field of the response's first error, joined with dots.
func fieldOf(r graphqltest.Response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	path, _ := r.Errors[0].Extensions["field"].([]any)
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

func TestMutationsAreForStaffAndSignedInCustomers(t *testing.T) {
	e := newEditor(t)
	product := e.column(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1`)[0]
	sku := e.column(t, `SELECT sku FROM catalog.variant WHERE product_id = $1 LIMIT 1`, product)[0]
	currency := e.column(t, `SELECT currency::text FROM catalog.product WHERE id = $1`, product)[0]
	ops := map[string]struct {
		query string
		vars  map[string]any
	}{
		"updateProduct":   {updateProduct, map[string]any{"id": product, "in": map[string]any{"title": "Renamed"}}},
		"setVariantPrice": {setVariantPrice, map[string]any{"sku": sku, "p": map[string]any{"amount": 1234, "currency": currency}}},
		"addReview":       {addReview, map[string]any{"id": product, "in": map[string]any{"rating": 4, "title": "Good", "body": "Works."}}},
	}
	tests := []struct {
		op     string
		caller string
		h      http.Handler
		want   string // extensions.code; "" for success
	}{
		{"updateProduct", "guest", e.as(trust.Caller{}), "UNAUTHENTICATED"},
		{"updateProduct", "customer", e.as(customer), "FORBIDDEN"},
		{"updateProduct", "customer raising the role", e.forgedStaff(), "UNAUTHENTICATED"},
		{"setVariantPrice", "guest", e.as(trust.Caller{}), "UNAUTHENTICATED"},
		{"setVariantPrice", "customer", e.as(customer), "FORBIDDEN"},
		{"setVariantPrice", "customer raising the role", e.forgedStaff(), "UNAUTHENTICATED"},
		{"addReview", "guest", e.as(trust.Caller{}), "UNAUTHENTICATED"},
		{"updateProduct", "handler without a secret", e.catalogFixture.handler, "UNAUTHENTICATED"},
		// Refusals first: they must leave no event behind.
		{"updateProduct", "staff", e.as(staff), ""},
		{"setVariantPrice", "staff", e.as(staff), ""},
		{"addReview", "customer", e.as(customer), ""},
		{"addReview", "staff", e.as(staff), ""},
	}
	var published int
	for _, tt := range tests {
		t.Run(tt.op+" by "+tt.caller, func(t *testing.T) {
			op := ops[tt.op]
			resp := graphqltest.Post(t, tt.h, op.query, op.vars)
			if got := strings.Join(resp.Codes(), ","); got != tt.want {
				t.Fatalf("codes %q, want %q: %s", got, tt.want, resp.Data)
			}
			if tt.want == "" {
				published++
				if strings.Contains(string(resp.Data), "null") {
					t.Fatalf("a successful %s returned nulls: %s", tt.op, resp.Data)
				}
			} else if string(resp.Data) != "null" {
				t.Fatalf("a refused %s returned data: %s", tt.op, resp.Data)
			}
			if got := len(e.outbox(t)); got != published {
				t.Fatalf("%d outbox rows after %d committed changes", got, published)
			}
		})
	}
}

func TestMutationsValidateTheirInput(t *testing.T) {
	e := newEditor(t)
	product := e.column(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1`)[0]
	sku := e.column(t, `SELECT sku FROM catalog.variant WHERE product_id = $1 LIMIT 1`, product)[0]
	currency := e.column(t, `SELECT currency::text FROM catalog.product WHERE id = $1`, product)[0]
	other := "USD"
	if currency == other {
		other = "EUR"
	}
	unknown := ulid.Make().String()
	update := func(id string, in map[string]any) map[string]any { return map[string]any{"id": id, "in": in} }
	price := func(sku string, amount int64, cur string) map[string]any {
		return map[string]any{"sku": sku, "p": map[string]any{"amount": amount, "currency": cur}}
	}
	review := func(id string, rating int, title, body string) map[string]any {
		return map[string]any{"id": id, "in": map[string]any{"rating": rating, "title": title, "body": body}}
	}
	tests := []struct {
		name      string
		caller    trust.Caller
		query     string
		vars      map[string]any
		code      string
		field     string
		wantInMsg string
	}{
		{"malformed product id", staff, updateProduct, update("42", map[string]any{"title": "x"}), "BAD_USER_INPUT", "id", "not a valid id"},
		{"nothing to change", staff, updateProduct, update(product, map[string]any{}), "BAD_USER_INPUT", "input", "at least one"},
		{"blank title", staff, updateProduct, update(product, map[string]any{"title": "   "}), "BAD_USER_INPUT", "input.title", "blank"},
		{"title too long", staff, updateProduct, update(product, map[string]any{"title": strings.Repeat("é", catalog.MaxTitleLength+1)}), "BAD_USER_INPUT", "input.title", "at most 200"},
		{"control character", staff, updateProduct, update(product, map[string]any{"description": "a\x00b"}), "BAD_USER_INPUT", "input.description", "control"},
		{"malformed brand", staff, updateProduct, update(product, map[string]any{"brandId": "acme"}), "BAD_USER_INPUT", "input.brandId", "not a valid id"},
		{"unknown brand", staff, updateProduct, update(product, map[string]any{"brandId": unknown}), "BAD_USER_INPUT", "input.brandId", "does not exist"},
		{"unknown category", staff, updateProduct, update(product, map[string]any{"categoryId": unknown}), "BAD_USER_INPUT", "input.categoryId", "does not exist"},
		{"unknown product", staff, updateProduct, update(unknown, map[string]any{"title": "x"}), "NOT_FOUND", "id", "not found"},
		{"negative price", staff, setVariantPrice, price(sku, -1, currency), "BAD_USER_INPUT", "price.amount", "0 to"},
		{"price beyond an Int", staff, setVariantPrice, price(sku, catalog.MaxPrice+1, currency), "BAD_USER_INPUT", "price.amount", "0 to"},
		{"currency not a code", staff, setVariantPrice, price(sku, 100, "euro"), "BAD_USER_INPUT", "price.currency", "ISO 4217"},
		{"currency of another product", staff, setVariantPrice, price(sku, 100, other), "BAD_USER_INPUT", "price.currency", "priced in " + currency},
		{"sku with a space", staff, setVariantPrice, price("A B", 100, currency), "BAD_USER_INPUT", "sku", "whitespace"},
		{"unknown sku", staff, setVariantPrice, price("NO-SUCH-SKU", 100, currency), "NOT_FOUND", "sku", "not found"},
		{"rating 0", customer, addReview, review(product, 0, "t", "b"), "BAD_USER_INPUT", "input.rating", "1 to 5"},
		{"rating 6", customer, addReview, review(product, 6, "t", "b"), "BAD_USER_INPUT", "input.rating", "1 to 5"},
		{"review without title", customer, addReview, review(product, 3, "", "b"), "BAD_USER_INPUT", "input.title", "blank"},
		{"review body too long", customer, addReview, review(product, 3, "t", strings.Repeat("b", catalog.MaxReviewBodyLength+1)), "BAD_USER_INPUT", "input.body", "at most"},
		{"review of an unknown product", customer, addReview, review(unknown, 3, "t", "b"), "NOT_FOUND", "productId", "not found"},
	}
	before := e.column(t, `SELECT p.title || p.price_min || p.rating_count || coalesce(p.brand_id, '') || coalesce(p.category_id, '') FROM catalog.product p ORDER BY id`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := graphqltest.Post(t, e.as(tt.caller), tt.query, tt.vars)
			if got := strings.Join(resp.Codes(), ","); got != tt.code || fieldOf(resp) != tt.field {
				t.Fatalf("code %q field %q, want %q %q: %+v", got, fieldOf(resp), tt.code, tt.field, resp.Errors)
			}
			if msg := resp.Errors[0].Message; !strings.Contains(msg, tt.wantInMsg) || strings.Contains(msg, "SQL") || strings.Contains(msg, "catalog.") {
				t.Fatalf("message %q, want one that says %q and nothing of the database", msg, tt.wantInMsg)
			}
		})
	}
	after := e.column(t, `SELECT p.title || p.price_min || p.rating_count || coalesce(p.brand_id, '') || coalesce(p.category_id, '') FROM catalog.product p ORDER BY id`)
	if !slices.Equal(before, after) {
		t.Fatal("a refused change changed a product")
	}
	if rows := e.outbox(t); len(rows) != 0 {
		t.Fatalf("refused changes wrote events: %v", rows)
	}
}

// TestAChangeAndItsEventCommitTogether: a committed update writes exactly one ProductChanged
// keyed by the product; when the event cannot be written, the update rolls back with it.
func TestAChangeAndItsEventCommitTogether(t *testing.T) {
	e := newEditor(t)
	ctx := context.Background()
	product := e.column(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1`)[0]
	brand := e.column(t, `SELECT id FROM catalog.brand ORDER BY id DESC LIMIT 1`)[0]

	resp := graphqltest.Post(t, e.as(staff), updateProduct, map[string]any{"id": product,
		"in": map[string]any{"title": "  Desk lamp, brass  ", "brandId": brand}})
	if len(resp.Errors) > 0 {
		t.Fatalf("update: %+v", resp.Errors)
	}
	want := fmt.Sprintf(`{"updateProduct":{"product":{"id":"%s","title":"Desk lamp, brass",`, product)
	if !strings.HasPrefix(string(resp.Data), want) || !strings.Contains(string(resp.Data), brand) {
		t.Fatalf("update returned %s", resp.Data)
	}
	if rows := e.outbox(t); !slices.Equal(rows, []string{"ProductChanged:" + product}) {
		t.Fatalf("outbox %v, want one ProductChanged for %s", rows, product)
	}
	payload := e.column(t, `SELECT payload->>'productId' FROM catalog.outbox`)
	if payload[0] != product {
		t.Fatalf("payload names %q, want %s", payload[0], product)
	}

	ratings := e.column(t, `SELECT rating_count::text FROM catalog.product WHERE id = $1`, product)[0]
	// The outbox refuses every row from now on: the change that cannot announce itself must
	// not happen.
	if _, err := e.pool.Exec(ctx, `ALTER TABLE catalog.outbox ADD CONSTRAINT refuse CHECK (false) NOT VALID`); err != nil {
		t.Fatal(err)
	}
	sku := e.column(t, `SELECT sku FROM catalog.variant WHERE product_id = $1 LIMIT 1`, product)[0]
	currency := e.column(t, `SELECT currency::text FROM catalog.product WHERE id = $1`, product)[0]
	for name, op := range map[string]struct {
		q string
		v map[string]any
		h http.Handler
	}{
		"update": {updateProduct, map[string]any{"id": product, "in": map[string]any{"title": "Never"}}, e.as(staff)},
		"price":  {setVariantPrice, map[string]any{"sku": sku, "p": map[string]any{"amount": 1, "currency": currency}}, e.as(staff)},
		"review": {addReview, map[string]any{"id": product, "in": map[string]any{"rating": 1, "title": "Never", "body": ""}}, e.as(customer)},
	} {
		if resp := graphqltest.Post(t, op.h, op.q, op.v); strings.Join(resp.Codes(), ",") != "INTERNAL_SERVER_ERROR" {
			t.Fatalf("%s without an outbox: %+v, want INTERNAL_SERVER_ERROR", name, resp.Errors)
		}
	}
	if got := e.column(t, `SELECT title || '/' || rating_count FROM catalog.product WHERE id = $1`, product)[0]; got != "Desk lamp, brass/"+ratings {
		t.Fatalf("product is %q after changes whose events failed", got)
	}
	if got := e.column(t, `SELECT count(*)::text FROM catalog.variant WHERE sku = $1 AND price = 1`, sku)[0]; got != "0" {
		t.Fatal("a price whose event failed was kept")
	}
	if got := e.column(t, `SELECT count(*)::text FROM catalog.review WHERE title = 'Never'`)[0]; got != "0" {
		t.Fatal("a review whose event failed was kept")
	}
}

// TestPricesKeepTheFromPrice: concurrent repricings of one product's variants leave its "from"
// price the lowest variant price, each with its event.
func TestPricesKeepTheFromPrice(t *testing.T) {
	e := newEditor(t)
	product := e.column(t, `SELECT product_id FROM catalog.variant GROUP BY product_id HAVING count(*) >= 3 ORDER BY product_id LIMIT 1`)[0]
	skus := e.column(t, `SELECT sku FROM catalog.variant WHERE product_id = $1 ORDER BY position`, product)
	currency := e.column(t, `SELECT currency::text FROM catalog.product WHERE id = $1`, product)[0]
	h := e.as(staff)

	var wg sync.WaitGroup
	const rounds = 4
	for i, sku := range skus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				amount := 1000 + 100*i + r // the last round leaves the first variant cheapest
				resp := graphqltest.Post(t, h, setVariantPrice, map[string]any{"sku": sku, "p": map[string]any{"amount": amount, "currency": currency}})
				if len(resp.Errors) > 0 {
					t.Errorf("price %s: %+v", sku, resp.Errors)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := e.column(t, `SELECT price_min::text FROM catalog.product WHERE id = $1`, product)[0]; got != fmt.Sprint(1000+rounds-1) {
		t.Fatalf("price_min %s, want %d", got, 1000+rounds-1)
	}
	if got := len(e.outbox(t)); got != rounds*len(skus) {
		t.Fatalf("%d events for %d repricings", got, rounds*len(skus))
	}
	// Raising the cheapest variant above the others moves the "from" price up to the next.
	resp := graphqltest.Post(t, h, setVariantPrice, map[string]any{"sku": skus[0], "p": map[string]any{"amount": 99_999, "currency": currency}})
	want := fmt.Sprintf(`"priceRange":{"min":{"amount":%d}}`, 1000+100+rounds-1)
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), want) {
		t.Fatalf("after raising the cheapest: %s %+v, want %s", resp.Data, resp.Errors, want)
	}
}

// TestReviewsAddUp: concurrent reviews each count once in the product's rating, take the
// author's name from identity unless given, and announce the product.
func TestReviewsAddUp(t *testing.T) {
	e := newEditor(t)
	product := e.column(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1`)[0]
	base := e.column(t, `SELECT rating_count || '/' || rating_sum FROM catalog.product WHERE id = $1`, product)[0]
	var count, sum int
	if _, err := fmt.Sscanf(base, "%d/%d", &count, &sum); err != nil {
		t.Fatal(err)
	}
	h := e.as(customer)
	const reviews = 10
	var wg sync.WaitGroup
	for i := range reviews {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := map[string]any{"rating": i%5 + 1, "title": fmt.Sprintf("Review %d", i), "body": "Fine."}
			if i == 0 {
				in["authorName"] = "  Countess  "
			}
			resp := graphqltest.Post(t, h, addReview, map[string]any{"id": product, "in": in})
			if len(resp.Errors) > 0 {
				t.Errorf("review %d: %+v", i, resp.Errors)
			}
		}()
	}
	wg.Wait()
	got := e.column(t, `SELECT rating_count || '/' || rating_sum FROM catalog.product WHERE id = $1`, product)[0]
	if want := fmt.Sprintf("%d/%d", count+reviews, sum+reviews/5*15); got != want {
		t.Fatalf("rating count/sum %s, want %s", got, want)
	}
	names := e.column(t, `SELECT DISTINCT author_name FROM catalog.review WHERE customer_id = $1 ORDER BY 1`, customerID)
	if !slices.Equal(names, []string{"Ada Lovelace", "Countess"}) {
		t.Fatalf("authors %v, want identity's name and the one given", names)
	}
	if n := len(e.outbox(t)); n != reviews {
		t.Fatalf("%d events for %d reviews", n, reviews)
	}
}
