// Package outbox is the transactional outbox every domain publishes its events through: an
// event is a row written in the same transaction as the change it describes, so a rolled-back
// change publishes nothing and a committed one is never lost. A Relay then publishes the rows
// to the message bus (the jetstream subpackage) and deletes them.
//
// Each domain keeps its own outbox table in its own schema (a domain never writes another's
// tables), created by one of its migrations with this shape:
//
//	CREATE TABLE <schema>.outbox (
//	    id         text PRIMARY KEY,          -- ULID; the bus deduplicates on it
//	    type       text NOT NULL,             -- OrderPlaced, StockChanged, ...
//	    key        text NOT NULL,             -- the entity the event is about, such as an order id
//	    payload    jsonb NOT NULL,
//	    created_at timestamptz NOT NULL DEFAULT now()
//	);
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"
)

// Event is a fact a domain announces to the others.
type Event struct {
	Type    string // such as OrderPlaced; part of the subject consumers subscribe to
	Key     string // the entity the event is about; consumers order and deduplicate by it
	Payload any    // marshalled to JSON
}

// Message is an event as the relay hands it to the bus.
type Message struct {
	ID        string // the outbox row id: the bus's deduplication id
	Subject   string // <prefix>.<schema>.<type>, such as shopgraph.orders.OrderPlaced
	Type      string
	Key       string
	Data      []byte // the JSON payload
	CreatedAt time.Time
}

// SubjectPrefix starts every subject the relay publishes on.
const SubjectPrefix = "shopgraph"

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
var eventType = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// Outbox is the outbox table of one domain schema.
type Outbox struct {
	schema string
	table  string
}

// New returns the outbox of the domain schema (orders, inventory, ...). It panics on a name
// that is not a plain identifier, which is a programming error.
func New(schema string) *Outbox {
	if !identifier.MatchString(schema) {
		panic(fmt.Sprintf("outbox: schema %q is not a plain identifier", schema))
	}
	return &Outbox{schema: schema, table: pgx.Identifier{schema, "outbox"}.Sanitize()}
}

// Schema is the domain schema the outbox lives in.
func (o *Outbox) Schema() string { return o.schema }

// Subject is where events of the type are published.
func (o *Outbox) Subject(eventType string) string {
	return SubjectPrefix + "." + o.schema + "." + eventType
}

// InsertFrom is a statement, to run as a data-modifying CTE of the change an event describes,
// that writes the event once for each row of the CTE named from (none when the change did
// nothing). Its four parameters, from $n, are the values of Args.
func (o *Outbox) InsertFrom(from string, n int) string {
	return fmt.Sprintf(`INSERT INTO %s (id, type, key, payload) SELECT $%d::text, $%d::text, $%d::text, $%d::jsonb FROM %s`,
		o.table, n, n+1, n+2, n+3, from)
}

// Args are the parameters of InsertFrom for the event.
func (o *Outbox) Args(e Event) ([]any, error) {
	payload, err := o.payload(e)
	if err != nil {
		return nil, err
	}
	return []any{ulid.Make().String(), e.Type, e.Key, payload}, nil
}

// InsertAll is a statement, alone or as a data-modifying CTE, that writes the events whose
// columns are the four arrays of ArgsAll, from $n.
func (o *Outbox) InsertAll(n int) string {
	return fmt.Sprintf(`INSERT INTO %s (id, type, key, payload)
		SELECT e.id, e.type, e.key, e.payload::jsonb FROM unnest($%d::text[], $%d::text[], $%d::text[], $%d::text[]) AS e (id, type, key, payload)`,
		o.table, n, n+1, n+2, n+3)
}

// ArgsAll are the parameters of InsertAll for the events.
func (o *Outbox) ArgsAll(events []Event) ([]any, error) {
	ids, types, keys, payloads := make([]string, len(events)), make([]string, len(events)), make([]string, len(events)), make([]string, len(events))
	for i, e := range events {
		payload, err := o.payload(e)
		if err != nil {
			return nil, err
		}
		ids[i], types[i], keys[i], payloads[i] = ulid.Make().String(), e.Type, e.Key, string(payload)
	}
	return []any{ids, types, keys, payloads}, nil
}

// payload checks the event's type and marshals its payload.
func (o *Outbox) payload(e Event) ([]byte, error) {
	if !eventType.MatchString(e.Type) {
		return nil, fmt.Errorf("outbox: event type %q must be a PascalCase word", e.Type)
	}
	b, err := json.Marshal(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("outbox: marshal %s: %w", e.Type, err)
	}
	return b, nil
}

// Write records the event in tx, the transaction of the change it describes: it is published
// when and only when tx commits.
func (o *Outbox) Write(ctx context.Context, tx pgx.Tx, e Event) error {
	args, err := o.Args(e)
	if err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, `INSERT INTO `+o.table+` (id, type, key, payload) VALUES ($1, $2, $3, $4)`, args...); err != nil {
		return fmt.Errorf("outbox: write %s for %s: %w", e.Type, e.Key, err)
	}
	return nil
}
