package postgres

import (
	"context"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// BeginByReading is Begin without its one-statement first try: always a read, the state
// machine in Go, then the guarded write.
func (s *Store) BeginByReading(ctx context.Context, c payments.Command, lease time.Duration) (payments.Attempt, error) {
	return s.beginFrom(ctx, c, lease, false)
}

// RequestHash is the fingerprint Begin records for a command.
func RequestHash(c payments.Command) []byte { return requestHash(c) }

// IntentsByOrderSQL is the statement IntentsByOrder runs.
var IntentsByOrderSQL = intentsByOrder

// LedgerByIntentSQL is the statement LedgerByIntent runs.
var LedgerByIntentSQL = ledgerByIntent
