package paymentsresolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	paymentsresolvers "github.com/shopgraph/shopgraph/resolvers/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// queryLog is a pgx tracer that counts the statements a pool sends, by main table.
type queryLog struct {
	mu     sync.Mutex
	counts map[string]int
}

var mainTable = regexp.MustCompile(`FROM payments\.(\w+)`)

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := mainTable.FindStringSubmatch(d.SQL); m != nil {
		l.counts[m[1]]++
	}
	return ctx
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *queryLog) reset() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts
	l.counts = map[string]int{}
	return c
}

type fixture struct {
	handler http.Handler
	service *payments.Service
	queries *queryLog
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	return newFixtureTB(t)
}

func newFixtureTB(t testing.TB) fixture {
	t.Helper()
	log := &queryLog{counts: map[string]int{}}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = log }, postgres.Domain)
	store := postgres.NewStore(pool)
	return fixture{
		handler: paymentsresolvers.NewHandler(store),
		service: payments.NewService(store, provider.NewSimulated(0)),
		queries: log,
	}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t testing.TB, h http.Handler, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("status %d, body %s: %v", rec.Code, rec.Body.String(), err)
	}
	return resp
}

const entitiesQuery = `query($r: [_Any!]!) {
	_entities(representations: $r) {
		... on Order {
			id
			payment {
				id status
				amount { amount currency }
				authorizedAmount { amount }
				capturedAmount { amount }
				refundedAmount { amount currency }
				events { operation amount { amount currency } createdAt }
			}
		}
	}
}`

type money struct {
	Amount   int64
	Currency string
}

type orderEntity struct {
	ID      string
	Payment *struct {
		ID               string
		Status           string
		Amount           money
		AuthorizedAmount money
		CapturedAmount   money
		RefundedAmount   money
		Events           []struct {
			Operation string
			Amount    money
			CreatedAt string
		}
	}
}

func orderReps(ids ...string) []map[string]any {
	reps := make([]map[string]any, len(ids))
	for i, id := range ids {
		reps[i] = map[string]any{"__typename": "Order", "id": id}
	}
	return reps
}

func TestOrderPaymentEntitiesBatchOneQueryPerTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	eur := payments.Money{Amount: 4999, Currency: "EUR"}
	captured, voided, declined, unpaid := ulid.Make().String(), ulid.Make().String(), ulid.Make().String(), ulid.Make().String()
	for _, o := range []string{captured, voided} {
		if _, err := f.service.Authorize(ctx, payments.AuthorizeRequest{OrderID: o, Amount: eur, PaymentMethod: provider.CardVisa}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.service.Capture(ctx, captured); err != nil {
		t.Fatal(err)
	}
	if _, err := f.service.Refund(ctx, captured, payments.Money{Amount: 1000, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.service.Void(ctx, voided); err != nil {
		t.Fatal(err)
	}
	if _, err := f.service.Authorize(ctx, payments.AuthorizeRequest{OrderID: declined, Amount: eur, PaymentMethod: provider.CardDeclined}); payments.CodeOf(err) != payments.CodeDeclined {
		t.Fatalf("declined card: %v", err)
	}
	f.queries.reset()

	resp := post(t, f.handler, entitiesQuery, map[string]any{"r": orderReps(captured, unpaid, voided, declined, captured)})
	if len(resp.Errors) > 0 {
		t.Fatalf("errors: %+v", resp.Errors)
	}
	var data struct {
		Entities []orderEntity `json:"_entities"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		t.Fatal(err)
	}
	es := data.Entities
	if len(es) != 5 || es[0].ID != captured || es[1].ID != unpaid || es[4].ID != captured {
		t.Fatalf("entities not in the order of the representations: %+v", es)
	}
	c := es[0].Payment
	if c == nil || c.Status != "PARTIALLY_REFUNDED" || c.Amount != (money{4999, "EUR"}) || c.CapturedAmount.Amount != 4999 || c.RefundedAmount != (money{1000, "EUR"}) {
		t.Fatalf("captured order's payment = %+v", c)
	}
	if ops := operations(c.Events); ops != "AUTHORIZE CAPTURE REFUND" || c.Events[2].Amount.Amount != 1000 || c.Events[0].CreatedAt == "" {
		t.Errorf("events = %+v", c.Events)
	}
	if es[1].Payment != nil {
		t.Errorf("an order without payment has %+v, want null", es[1].Payment)
	}
	if v := es[2].Payment; v == nil || v.Status != "VOIDED" || v.CapturedAmount.Amount != 0 || operations(v.Events) != "AUTHORIZE VOID" {
		t.Errorf("voided order's payment = %+v", v)
	}
	if d := es[3].Payment; d == nil || d.Status != "FAILED" || d.AuthorizedAmount.Amount != 0 || len(d.Events) != 0 {
		t.Errorf("declined order's payment = %+v", d)
	}
	if got := f.queries.reset(); got["intent"] != 1 || got["ledger_entry"] != 1 || len(got) != 2 {
		t.Errorf("queries by table = %v, want one intent query and one ledger query", got)
	}
}

func operations(events []struct {
	Operation string
	Amount    money
	CreatedAt string
}) string {
	ops := make([]string, len(events))
	for i, e := range events {
		ops[i] = e.Operation
	}
	return strings.Join(ops, " ")
}

func TestServiceSDLDeclaresFederation(t *testing.T) {
	f := newFixture(t)
	resp := post(t, f.handler, `{ _service { sdl } }`, nil)
	var data struct {
		Service struct{ SDL string } `json:"_service"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil || len(resp.Errors) > 0 {
		t.Fatalf("%v %+v", err, resp.Errors)
	}
	for _, want := range []string{`@link(`, `specs.apollo.dev/federation/v2`, `type Order @key(fields: "id")`, `type Money @shareable`} {
		if !strings.Contains(data.Service.SDL, want) {
			t.Errorf("sdl lacks %s:\n%s", want, data.Service.SDL)
		}
	}
}

func TestMalformedOrderIDIsBadUserInput(t *testing.T) {
	f := newFixture(t)
	resp := post(t, f.handler, entitiesQuery, map[string]any{"r": orderReps("42")})
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, "ULID") {
		t.Fatalf("errors = %+v, want one BAD_USER_INPUT", resp.Errors)
	}
}

func TestDatabaseOutageIsAMaskedError(t *testing.T) {
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	h := paymentsresolvers.NewHandler(postgres.NewStore(pool))
	pool.Close()
	resp := post(t, h, entitiesQuery, map[string]any{"r": orderReps(ulid.Make().String())})
	if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" || strings.Contains(resp.Errors[0].Message, "pool") {
		t.Fatalf("errors = %+v, want a masked INTERNAL_SERVER_ERROR", resp.Errors)
	}
}
