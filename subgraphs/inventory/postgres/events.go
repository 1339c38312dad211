package postgres

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

// announceStock writes one StockChanged event per distinct SKU in tx, in one statement: the
// units a shopper can buy changed.
func announceStock(ctx context.Context, tx pgx.Tx, skus []string) error {
	args, err := stockEvents(skus)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, Outbox.InsertAll(1), args...); err != nil {
		return fmt.Errorf("announce stock of %d SKUs: %w", len(skus), err)
	}
	return nil
}

// stockEvents are the InsertAll parameters of one StockChanged event per distinct SKU.
func stockEvents(skus []string) ([]any, error) {
	seen := make(map[string]bool, len(skus))
	var events []outbox.Event
	for _, sku := range skus {
		if !seen[sku] {
			seen[sku] = true
			events = append(events, outbox.Event{Type: EventStockChanged, Key: sku, Payload: map[string]any{"sku": sku}})
		}
	}
	return Outbox.ArgsAll(events)
}

// eventIDBase is the ULID the ids of one statement's events derive from (eventID). Its random
// part comes from its own entropy, not the process's monotonic one, whose successive ids
// share their leading random bits within a millisecond.
func eventIDBase() string {
	return ulid.MustNew(ulid.Now(), rand.Reader).String()
}

// crockford is the ULID alphabet, as an SQL literal.
const crockford = `'0123456789ABCDEFGHJKMNPQRSTVWXYZ'`

// eventID is an SQL expression for the id of the n-th event (0 <= n < 32^4, an SQL expression)
// that one statement writes when Go cannot know how many there will be: the ULID in
// parameter $p (eventIDBase) with its last four characters replaced by n in base 32. The ids
// are ULIDs, unique (60 random bits are kept) and in the order of n.
func eventID(p int, n string) string {
	digit := func(shift int) string {
		return fmt.Sprintf(`substr(%s, ((%s) >> %d)::int %% 32 + 1, 1)`, crockford, n, shift)
	}
	return fmt.Sprintf(`left($%d::text, 22) || %s || %s || %s || %s`, p, digit(15), digit(10), digit(5), digit(0))
}
