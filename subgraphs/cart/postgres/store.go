// Package postgres stores the cart domain in the Postgres schema "cart".
package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/rowscan"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the cart schema.
var Domain = subgraphs.Domain{
	Name:       "cart",
	Schema:     "cart",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Store keeps carts in Postgres. It implements cart.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ cart.Store = (*Store)(nil)

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// cartRow is one line of a cart (or the cart alone, when it has none) with the cart's
// columns, so a cart and its lines come from one query and one snapshot.
type cartRow struct {
	ID           string
	CustomerID   pgtype.Text
	Version      int
	Currency     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	RecordedHash []byte
	// The line's columns, NULL for a cart without lines.
	SKU          pgtype.Text
	Quantity     pgtype.Int4
	UnitPrice    pgtype.Int8
	LineCurrency pgtype.Text
	AddedAt      pgtype.Timestamptz
}

// cartScan reads a cartRow: the cart's columns, the recorded hash, then the line's.
var cartScan = rowscan.Columns[cartRow]{
	Names: []string{"id", "customer_id", "version", "currency", "created_at", "updated_at",
		"recorded_hash",
		"sku", "quantity", "unit_price", "line_currency", "added_at"},
	Fields: func(r *cartRow) []any {
		return []any{&r.ID, &r.CustomerID, &r.Version, &r.Currency, &r.CreatedAt, &r.UpdatedAt,
			&r.RecordedHash,
			&r.SKU, &r.Quantity, &r.UnitPrice, &r.LineCurrency, &r.AddedAt}
	},
}

// loadedCart is a cart and, when the query named a client mutation id, the request hash the
// cart recorded for it (nil when it has not seen the id).
type loadedCart struct {
	cart.Cart
	recordedHash []byte
}

// cartSelect reads carts with their lines in the order they were added, the columns of
// cartScan. $1 is a client mutation id (or NULL); the caller's WHERE clause numbers its
// parameters from $2. The cart's columns come out of c, the recorded hash out of m and the
// line's out of l, each renamed where two would share a name, so that the select list is
// cartScan's names alone.
var cartSelect = `
	SELECT ` + cartScan.List() + `
	FROM cart.cart c
	LEFT JOIN (
		SELECT cart_id AS mutation_cart_id, request_hash AS recorded_hash FROM cart.mutation
		WHERE client_mutation_id = $1
	) m ON m.mutation_cart_id = c.id
	LEFT JOIN (
		SELECT cart_id AS line_cart_id, sku, quantity, unit_price, currency AS line_currency, added_at FROM cart.line
	) l ON l.line_cart_id = c.id
	WHERE `

// owned is the condition that the owner ($n: customer id or NULL, $n+1: guest token hash or
// NULL) may see cart c. A customer's cart opens only to its customer, a guest cart only to
// its token.
func owned(n int) string {
	return fmt.Sprintf("(c.customer_id = $%d OR (c.customer_id IS NULL AND c.guest_token_hash = $%d))", n, n+1)
}

func ownerArgs(o cart.Owner) []any {
	var customer, hash any
	if o.CustomerID != "" {
		customer = o.CustomerID
	}
	if o.GuestTokenHash != nil {
		hash = o.GuestTokenHash
	}
	return []any{customer, hash}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// loadCarts runs cartSelect with the WHERE clause and groups the rows into carts.
func loadCarts(ctx context.Context, q querier, mutationID string, where string, args ...any) ([]loadedCart, error) {
	rows, _ := q.Query(ctx, cartSelect+where+` ORDER BY c.id, l.added_at, l.sku`, append([]any{nullable(mutationID)}, args...)...)
	found, err := cartScan.Collect(rows)
	if err != nil {
		return nil, err
	}
	var out []loadedCart
	for _, r := range found {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			c := loadedCart{Cart: cart.Cart{
				ID: r.ID, CustomerID: r.CustomerID.String, Version: r.Version, Currency: r.Currency,
				CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Lines: []cart.Line{},
			}, recordedHash: r.RecordedHash}
			out = append(out, c)
		}
		if r.SKU.Valid {
			last := &out[len(out)-1]
			last.Lines = append(last.Lines, cart.Line{
				SKU:       r.SKU.String,
				Quantity:  int(r.Quantity.Int32),
				UnitPrice: cart.Money{Amount: r.UnitPrice.Int64, Currency: r.LineCurrency.String},
				AddedAt:   r.AddedAt.Time,
			})
		}
	}
	return out, nil
}

func loadOne(ctx context.Context, q querier, mutationID string, where string, args ...any) (*loadedCart, error) {
	carts, err := loadCarts(ctx, q, mutationID, where, args...)
	if err != nil || len(carts) == 0 {
		return nil, err
	}
	return &carts[0], nil
}

// CartsByID implements cart.Store.
func (s *Store) CartsByID(ctx context.Context, owner cart.Owner, ids []string) (map[string]cart.Cart, error) {
	carts, err := loadCarts(ctx, s.pool, "", `c.id = ANY($2) AND `+owned(3), append([]any{ids}, ownerArgs(owner)...)...)
	if err != nil {
		return nil, fmt.Errorf("carts by id: %w", err)
	}
	out := make(map[string]cart.Cart, len(carts))
	for _, c := range carts {
		out[c.ID] = c.Cart
	}
	return out, nil
}

// CustomerCart implements cart.Store. Reading comes first: the customer almost always has a
// cart already, and a read takes no row lock.
func (s *Store) CustomerCart(ctx context.Context, customerID string) (cart.Cart, error) {
	c, err := customerCart(ctx, s.pool, customerID)
	if err != nil {
		return cart.Cart{}, fmt.Errorf("cart of customer %s: %w", customerID, err)
	}
	return c, nil
}

// customerCart reads the customer's cart, creating it first when there is none. A creation
// racing with another finds the other's cart.
func customerCart(ctx context.Context, q querier, customerID string) (cart.Cart, error) {
	for range 2 {
		c, err := loadOne(ctx, q, "", `c.customer_id = $2`, customerID)
		if err != nil || c != nil {
			return c.cartOrZero(), err
		}
		_, err = q.Exec(ctx, `
			INSERT INTO cart.cart (id, customer_id, currency) VALUES ($1, $2, $3)
			ON CONFLICT (customer_id) DO NOTHING`,
			cart.NewID(), customerID, cart.DefaultCurrency)
		if err != nil {
			return cart.Cart{}, err
		}
	}
	return cart.Cart{}, fmt.Errorf("cart of customer %s vanished after it was created", customerID)
}

func (c *loadedCart) cartOrZero() cart.Cart {
	if c == nil {
		return cart.Cart{}
	}
	return c.Cart
}

// GuestCart implements cart.Store.
func (s *Store) GuestCart(ctx context.Context, tokenHash []byte) (*cart.Cart, error) {
	c, err := loadOne(ctx, s.pool, "", `c.guest_token_hash = $2 AND c.customer_id IS NULL`, tokenHash)
	if err != nil {
		return nil, fmt.Errorf("guest cart: %w", err)
	}
	if c == nil {
		return nil, nil
	}
	return &c.Cart, nil
}

// CreateGuestCart implements cart.Store.
func (s *Store) CreateGuestCart(ctx context.Context, id string, tokenHash []byte) (cart.Cart, error) {
	c := cart.Cart{ID: id, Version: 1, Currency: cart.DefaultCurrency, Lines: []cart.Line{}}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO cart.cart (id, guest_token_hash, currency) VALUES ($1, $2, $3)
		RETURNING created_at, updated_at`,
		id, tokenHash, c.Currency).Scan(&c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return cart.Cart{}, fmt.Errorf("create guest cart: %w", err)
	}
	return c, nil
}
