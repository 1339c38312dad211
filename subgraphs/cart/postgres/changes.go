package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
)

// maxChangeReads bounds how often Change reads a cart it lost the row lock for.
const maxChangeReads = 3

// Change implements cart.Store. It reads the cart (with its lines and any record of the
// mutation id) without a lock, then bumps the version only if it is still the quoted one:
// of concurrent changes quoting one version, the first to take the row lock wins and the
// others find the version moved on. Since every change bumps the version, a successful bump
// proves the lines read before it are the lines at the quoted version.
func (s *Store) Change(ctx context.Context, ch cart.Change, edit func(*cart.Cart) error) (cart.Cart, error) {
	var out cart.Cart
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Versions only grow, so a lost race shows up on the next read as a newer version (or
		// as this very mutation, retried concurrently): the loop runs at most twice in practice.
		for range maxChangeReads {
			current, err := loadOne(ctx, tx, ch.Mutation.ClientID, `c.id = $2 AND `+owned(3), append([]any{ch.CartID}, ownerArgs(ch.Owner)...)...)
			if err != nil {
				return err
			}
			if current == nil {
				return cart.ErrCartNotFound
			}
			if current.recordedHash != nil {
				out, err = replayed(*current, ch.Mutation)
				return err
			}
			if current.Version != ch.Version {
				return cart.VersionConflict(ch.Version, current.Version)
			}
			var version int
			err = tx.QueryRow(ctx, `
				UPDATE cart.cart SET version = version + 1, updated_at = now()
				WHERE id = $1 AND version = $2
				RETURNING version, updated_at`, ch.CartID, ch.Version).Scan(&version, &current.UpdatedAt)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // another change won the row between the read and the bump
			}
			if err != nil {
				return err
			}
			before := current.Cart
			next := current.Cart
			next.Lines = append([]cart.Line(nil), before.Lines...)
			if err := edit(&next); err != nil {
				return err
			}
			next.Version = version
			b := &pgx.Batch{}
			queueLines(b, ch.CartID, before.Lines, next.Lines)
			if next.Currency != before.Currency {
				b.Queue(`UPDATE cart.cart SET currency = $2 WHERE id = $1`, ch.CartID, next.Currency)
			}
			queueRecord(b, ch.CartID, ch.Mutation)
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			out = next
			return nil
		}
		return fmt.Errorf("version %d still current after %d lost races", ch.Version, maxChangeReads)
	})
	if err != nil {
		return cart.Cart{}, wrap(err, "change cart %s", ch.CartID)
	}
	return out, nil
}

// Empty implements cart.Store.
func (s *Store) Empty(ctx context.Context, ch cart.Change) (bool, error) {
	var n int
	// $5 is written to a domain-typed column and compared as text, so it is typed text once.
	err := s.pool.QueryRow(ctx, `
		WITH c AS (
			UPDATE cart.cart c SET version = c.version + 1, updated_at = now()
			WHERE c.id = $1 AND c.version = $2 AND `+owned(3)+`
			RETURNING c.id
		),
		l AS (DELETE FROM cart.line WHERE cart_id IN (SELECT id FROM c)),
		m AS (
			INSERT INTO cart.mutation (cart_id, client_mutation_id, request_hash)
			SELECT id, $5::text, $6 FROM c WHERE $5 <> ''
			ON CONFLICT DO NOTHING
		)
		SELECT count(*) FROM c`,
		append([]any{ch.CartID, ch.Version}, append(ownerArgs(ch.Owner), ch.Mutation.ClientID, ch.Mutation.RequestHash)...)...).Scan(&n)
	if err != nil {
		return false, wrap(err, "empty cart %s", ch.CartID)
	}
	return n == 1, nil
}

// Merge implements cart.Store. It locks the customer's cart, then the guest cart: always in
// that order, and a guest cart is never a customer's, so merges cannot deadlock.
func (s *Store) Merge(ctx context.Context, m cart.Merge, edit func(into *cart.Cart, guest cart.Cart) error) (cart.Cart, error) {
	var out cart.Cart
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := customerCart(ctx, tx, m.CustomerID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM cart.cart WHERE id = $1 FOR UPDATE`, c.ID); err != nil {
			return err
		}
		// Read again under the lock: the cart may have changed since the unlocked read.
		into, err := loadOne(ctx, tx, m.Mutation.ClientID, `c.id = $2`, c.ID)
		if err != nil {
			return err
		}
		if into == nil {
			return fmt.Errorf("cart %s vanished under its lock", c.ID)
		}
		if into.recordedHash != nil {
			out, err = replayed(*into, m.Mutation)
			return err
		}
		var guestID string
		err = tx.QueryRow(ctx, `
			SELECT id FROM cart.cart WHERE guest_token_hash = $1 AND customer_id IS NULL FOR UPDATE`,
			m.GuestTokenHash).Scan(&guestID)
		if errors.Is(err, pgx.ErrNoRows) {
			return &cart.Rejection{Code: cart.CodeGuestCartNotFound, Field: "guestToken", Message: "no guest cart has this token (it may have been merged already)"}
		}
		if err != nil {
			return err
		}
		guest, err := loadOne(ctx, tx, "", `c.id = $2`, guestID)
		if err != nil {
			return err
		}
		next := into.Cart
		next.Lines = append([]cart.Line(nil), into.Lines...)
		if err := edit(&next, guest.Cart); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			UPDATE cart.cart SET version = version + 1, currency = $2, updated_at = now()
			WHERE id = $1 RETURNING version, updated_at`,
			next.ID, next.Currency).Scan(&next.Version, &next.UpdatedAt); err != nil {
			return err
		}
		b := &pgx.Batch{}
		queueLines(b, next.ID, into.Lines, next.Lines)
		b.Queue(`DELETE FROM cart.cart WHERE id = $1`, guestID)
		queueRecord(b, next.ID, m.Mutation)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return cart.Cart{}, wrap(err, "merge guest cart into the cart of customer %s", m.CustomerID)
	}
	return out, nil
}

// replayed answers a mutation id the cart has recorded: the cart as it is, when the request
// is the one recorded.
func replayed(c loadedCart, m cart.Mutation) (cart.Cart, error) {
	if !bytes.Equal(c.recordedHash, m.RequestHash) {
		return cart.Cart{}, cart.IdempotencyConflict()
	}
	return c.Cart, nil
}

// queueLines writes what changed between two versions of a cart's lines: removed SKUs are
// deleted, new and changed lines upserted, in two statements whatever the number of lines.
func queueLines(b *pgx.Batch, cartID string, before, after []cart.Line) {
	old := make(map[string]cart.Line, len(before))
	for _, l := range before {
		old[l.SKU] = l
	}
	var skus, currencies []string
	var quantities []int32
	var prices []int64
	var added []time.Time
	for _, l := range after {
		if o, ok := old[l.SKU]; ok && o == l {
			delete(old, l.SKU)
			continue
		}
		delete(old, l.SKU)
		skus = append(skus, l.SKU)
		quantities = append(quantities, int32(l.Quantity))
		prices = append(prices, l.UnitPrice.Amount)
		currencies = append(currencies, l.UnitPrice.Currency)
		added = append(added, l.AddedAt)
	}
	if len(old) > 0 {
		gone := make([]string, 0, len(old))
		for sku := range old {
			gone = append(gone, sku)
		}
		b.Queue(`DELETE FROM cart.line WHERE cart_id = $1 AND sku = ANY($2)`, cartID, gone)
	}
	if len(skus) > 0 {
		b.Queue(`
			INSERT INTO cart.line (cart_id, sku, quantity, unit_price, currency, added_at)
			SELECT $1, s.sku, s.quantity, s.unit_price, s.currency, s.added_at
			FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[], $6::timestamptz[])
			     AS s (sku, quantity, unit_price, currency, added_at)
			ON CONFLICT (cart_id, sku) DO UPDATE SET
			    quantity = excluded.quantity, unit_price = excluded.unit_price,
			    currency = excluded.currency, added_at = excluded.added_at`,
			cartID, skus, quantities, prices, currencies, added)
	}
}

func queueRecord(b *pgx.Batch, cartID string, m cart.Mutation) {
	if m.ClientID == "" {
		return
	}
	b.Queue(`
		INSERT INTO cart.mutation (cart_id, client_mutation_id, request_hash) VALUES ($1, $2, $3)`,
		cartID, m.ClientID, m.RequestHash)
}

// wrap adds context to system errors and passes the domain's own errors through as they are,
// so the GraphQL layer still recognises them.
func wrap(err error, format string, args ...any) error {
	var rejection *cart.Rejection
	var access *cart.AccessError
	var input *cart.InputError
	if errors.As(err, &rejection) || errors.As(err, &access) || errors.As(err, &input) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
