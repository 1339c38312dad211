// Package postgres stores the payments domain in the Postgres schema "payments": intents, the
// record of every operation asked for (the idempotency record), and the append-only ledger.
package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/rowscan"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the payments schema.
var Domain = subgraphs.Domain{
	Name:       "payments",
	Schema:     "payments",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Store keeps payments in Postgres. It implements payments.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ payments.Store = (*Store)(nil)

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

type intentRow struct {
	ID                string
	OrderID           string
	CustomerID        *string
	Amount            int64
	Currency          string
	Status            string
	Provider          string
	ProviderReference *string
	AuthorizedAmount  int64
	CapturedAmount    int64
	RefundedAmount    int64
	PendingOperation  *string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

var intentFields = rowscan.Columns[intentRow]{
	Names: []string{
		"id", "order_id", "customer_id", "amount", "currency", "status", "provider",
		"provider_reference", "authorized_amount", "captured_amount", "refunded_amount",
		"pending_operation", "created_at", "updated_at",
	},
	Fields: func(r *intentRow) []any {
		return []any{
			&r.ID, &r.OrderID, &r.CustomerID, &r.Amount, &r.Currency, &r.Status, &r.Provider,
			&r.ProviderReference, &r.AuthorizedAmount, &r.CapturedAmount, &r.RefundedAmount,
			&r.PendingOperation, &r.CreatedAt, &r.UpdatedAt,
		}
	},
}

// intentColumns are the columns every statement returns for an intent, read by intentFields.
var intentColumns = intentFields.List()

func (r intentRow) intent() payments.Intent {
	return payments.Intent{
		ID:                r.ID,
		OrderID:           r.OrderID,
		CustomerID:        deref(r.CustomerID),
		Amount:            payments.Money{Amount: r.Amount, Currency: r.Currency},
		Status:            payments.Status(r.Status),
		Provider:          r.Provider,
		ProviderReference: deref(r.ProviderReference),
		Authorized:        r.AuthorizedAmount,
		Captured:          r.CapturedAmount,
		Refunded:          r.RefundedAmount,
		Pending:           payments.Operation(deref(r.PendingOperation)),
		CreatedAt:         r.CreatedAt,
		UpdatedAt:         r.UpdatedAt,
	}
}

// IntentByOrder implements payments.Store.
func (s *Store) IntentByOrder(ctx context.Context, orderID string) (payments.Intent, error) {
	intents, err := s.IntentsByOrder(ctx, []string{orderID})
	if err != nil {
		return payments.Intent{}, err
	}
	i, ok := intents[orderID]
	if !ok {
		return payments.Intent{}, payments.NotFound(orderID)
	}
	return i, nil
}

// intentsByOrder reads the intents of the orders in $1 with one index probe per order. The
// money path runs generic plans, and the generic plan of "order_id = ANY($1)" assumes ten keys:
// while the table is small or not yet analyzed it is a scan of the whole table or a bitmap
// scan (in a fresh database, 50-80 µs for the checkout's read of one order instead of 5-10).
// A LIMIT 1 subquery per key cannot become a scan of the table, so it probes order_id's index
// whatever the table's size and statistics.
var intentsByOrder = `SELECT i.* FROM unnest($1::text[]) AS k(order_id),
	LATERAL (SELECT ` + intentColumns + ` FROM payments.intent WHERE order_id = k.order_id LIMIT 1) i`

// IntentsByOrder returns the intents of the given orders in one query, keyed by order id;
// orders without a payment are absent.
func (s *Store) IntentsByOrder(ctx context.Context, orderIDs []string) (map[string]payments.Intent, error) {
	rows, _ := s.pool.Query(ctx, intentsByOrder, orderIDs)
	found, err := pgx.CollectRows(rows, intentFields.Row)
	if err != nil {
		return nil, fmt.Errorf("load intents of %d orders: %w", len(orderIDs), err)
	}
	out := make(map[string]payments.Intent, len(found))
	for _, r := range found {
		out[r.OrderID] = r.intent()
	}
	return out, nil
}

type ledgerRow struct {
	ID                string
	IntentID          string
	OrderID           string
	Operation         string
	Amount            int64
	Currency          string
	ProviderReference string
	CreatedAt         time.Time
}

var ledgerFields = rowscan.Columns[ledgerRow]{
	Names: []string{
		"id", "intent_id", "order_id", "operation", "amount", "currency", "provider_reference",
		"created_at",
	},
	Fields: func(r *ledgerRow) []any {
		return []any{
			&r.ID, &r.IntentID, &r.OrderID, &r.Operation, &r.Amount, &r.Currency, &r.ProviderReference,
			&r.CreatedAt,
		}
	},
}

// ledgerByIntent probes the ledger's intent index once per intent asked for, as intentsByOrder
// does for intents: under the money path's generic plans, "intent_id = ANY($1)" is planned
// once for any number of intents and scans the whole ledger when that plan was made while it
// was small. OFFSET 0 keeps the planner from flattening the probe into a join it could hash.
var ledgerByIntent = `SELECT e.* FROM (SELECT DISTINCT unnest($1::text[]) AS intent_id) AS k,
	LATERAL (SELECT ` + ledgerFields.List() + ` FROM payments.ledger_entry WHERE intent_id = k.intent_id
	         ORDER BY created_at, id OFFSET 0) e
	ORDER BY e.intent_id, e.created_at, e.id`

// LedgerByIntent returns the ledger entries of the given intents in one query, keyed by
// intent id, each list in the order the operations happened.
func (s *Store) LedgerByIntent(ctx context.Context, intentIDs []string) (map[string][]payments.LedgerEntry, error) {
	rows, _ := s.pool.Query(ctx, ledgerByIntent, intentIDs)
	found, err := pgx.CollectRows(rows, ledgerFields.Row)
	if err != nil {
		return nil, fmt.Errorf("load ledger of %d intents: %w", len(intentIDs), err)
	}
	out := make(map[string][]payments.LedgerEntry, len(intentIDs))
	for _, r := range found {
		out[r.IntentID] = append(out[r.IntentID], payments.LedgerEntry{
			ID:                r.ID,
			IntentID:          r.IntentID,
			OrderID:           r.OrderID,
			Operation:         payments.Operation(r.Operation),
			Amount:            payments.Money{Amount: r.Amount, Currency: r.Currency},
			ProviderReference: r.ProviderReference,
			CreatedAt:         r.CreatedAt,
		})
	}
	return out, nil
}

// requestHash fingerprints everything a caller sent for a command, so a retry can be told
// apart from a different request under the same (order, operation). The payment method is
// only hashed, never stored.
func requestHash(c payments.Command) []byte {
	h := sha256.New()
	for _, s := range []string{string(c.Operation), c.OrderID, c.CustomerID, c.Amount.Currency, c.PaymentMethod} {
		_ = binary.Write(h, binary.BigEndian, uint32(len(s)))
		h.Write([]byte(s))
	}
	_ = binary.Write(h, binary.BigEndian, c.Amount.Amount)
	return h.Sum(nil)
}

func lower(op payments.Operation) string { return string(bytes.ToLower([]byte(op))) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
