package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

// Outbox is the catalog domain's event outbox; the binary relays it to the bus.
var Outbox = outbox.New("catalog")

// announce writes ProductChanged for the product in tx: search and caches re-read it once the
// change commits, and hear nothing of a change that rolls back.
func announce(ctx context.Context, tx pgx.Tx, productID, change string) error {
	return Outbox.Write(ctx, tx, outbox.Event{Type: catalog.ProductChanged, Key: productID,
		Payload: catalog.ProductChangedPayload{ProductID: productID, Change: change}})
}

// UpdateProduct applies a checked change to a product and announces it, in one transaction.
// An unknown product is NOT_FOUND; an unknown brand or category is BAD_USER_INPUT.
func (s *Store) UpdateProduct(ctx context.Context, u catalog.ProductUpdate) (catalog.Product, error) {
	var p catalog.Product
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			UPDATE catalog.product p SET
				title       = coalesce($2, p.title),
				description = coalesce($3, p.description),
				brand_id    = coalesce($4, p.brand_id),
				category_id = coalesce($5, p.category_id)
			WHERE p.id = $1
			RETURNING `+productColumns,
			u.ID, u.Title, u.Description, u.BrandID, u.CategoryID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[productRow])
		if errors.Is(err, pgx.ErrNoRows) {
			return catalog.NotFound("id", "product "+u.ID)
		}
		if err != nil {
			return err
		}
		p = r.product()
		return announce(ctx, tx, p.ID, "updated")
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign key violation
		switch pgErr.ConstraintName {
		case "product_brand_id_fkey":
			return p, &catalog.InputError{Field: "input.brandId", Message: fmt.Sprintf("input.brandId: brand %s does not exist", *u.BrandID)}
		case "product_category_id_fkey":
			return p, &catalog.InputError{Field: "input.categoryId", Message: fmt.Sprintf("input.categoryId: category %s does not exist", *u.CategoryID)}
		}
	}
	if err != nil {
		return p, wrapWrite(err, "update product "+u.ID)
	}
	return p, nil
}

// SetVariantPrice reprices a variant, keeps its product's "from" price (price_min) the lowest
// of its variants, and announces the change, in one transaction. The product row is locked
// first, so concurrent repricings of sibling variants compute price_min one after the other.
func (s *Store) SetVariantPrice(ctx context.Context, c catalog.PriceChange) (catalog.Variant, error) {
	var v catalog.Variant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var productID, currency string
		err := tx.QueryRow(ctx, `
			SELECT p.id, p.currency FROM catalog.variant v JOIN catalog.product p ON p.id = v.product_id
			WHERE v.sku = $1
			FOR UPDATE OF p`, c.SKU).Scan(&productID, &currency)
		if errors.Is(err, pgx.ErrNoRows) {
			return catalog.NotFound("sku", "variant "+c.SKU)
		}
		if err != nil {
			return err
		}
		if currency != c.Price.Currency {
			return &catalog.InputError{Field: "price.currency",
				Message: fmt.Sprintf("price.currency: the product is priced in %s, not %s", currency, c.Price.Currency)}
		}
		if _, err := tx.Exec(ctx, `UPDATE catalog.variant SET price = $2 WHERE sku = $1`, c.SKU, c.Price.Amount); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE catalog.product SET price_min = (SELECT min(price) FROM catalog.variant WHERE product_id = $1)
			WHERE id = $1`, productID); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, selectVariant, c.SKU)
		vs, err := collectVariants(rows)
		if err != nil {
			return err
		}
		v = vs[0]
		return announce(ctx, tx, productID, "priced")
	})
	if err != nil {
		return v, wrapWrite(err, "set price of "+c.SKU)
	}
	return v, nil
}

// AddReview stores a review, adds its rating to the product's summary and announces the
// change, in one transaction. An unknown product is NOT_FOUND.
func (s *Store) AddReview(ctx context.Context, d catalog.ReviewDraft) (catalog.Review, catalog.Product, error) {
	review := catalog.Review{
		ID: ulid.Make().String(), ProductID: d.ProductID, Rating: d.Rating, Title: d.Title, Body: d.Body,
		AuthorName: d.AuthorName, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	var p catalog.Product
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			UPDATE catalog.product p SET rating_count = p.rating_count + 1, rating_sum = p.rating_sum + $2
			WHERE p.id = $1
			RETURNING `+productColumns, d.ProductID, d.Rating)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[productRow])
		if errors.Is(err, pgx.ErrNoRows) {
			return catalog.NotFound("productId", "product "+d.ProductID)
		}
		if err != nil {
			return err
		}
		p = r.product()
		if _, err := tx.Exec(ctx, `
			INSERT INTO catalog.review (id, product_id, rating, title, body, author_name, created_at, customer_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			review.ID, review.ProductID, review.Rating, review.Title, review.Body, review.AuthorName, review.CreatedAt,
			d.CustomerID); err != nil {
			return err
		}
		return announce(ctx, tx, p.ID, "reviewed")
	})
	if err != nil {
		return review, p, wrapWrite(err, "review product "+d.ProductID)
	}
	return review, p, nil
}

// wrapWrite keeps the caller's own errors as they are (their messages are for the caller) and
// gives the others context.
func wrapWrite(err error, what string) error {
	var input *catalog.InputError
	var req *catalog.RequestError
	if errors.As(err, &input) || errors.As(err, &req) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
