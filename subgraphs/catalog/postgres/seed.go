package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
)

// The demo catalog is deterministic: one random source with a fixed seed and a fixed base
// time, so the same product count always yields the same rows, ids included, and a larger
// count extends a smaller one.
var (
	seedBaseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seedCurrency = "EUR"
)

const (
	seedChunk           = 5000             // products per COPY round
	seedProductInterval = 15 * time.Second // between consecutive products' created_at
)

// IsSeeded reports whether the catalog holds any product.
func IsSeeded(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var seeded bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM catalog.product)`).Scan(&seeded); err != nil {
		return false, fmt.Errorf("check catalog seeded: %w", err)
	}
	return seeded, nil
}

// Seed fills an empty catalog with a demo store: about 45 categories in three levels, 60
// brands, and the given number of products, each with 1 to 5 variants and 0 to 8 reviews. It
// writes in one transaction, streaming rows in chunks with COPY so memory stays flat whatever
// the count, and calls progress (when not nil) with the number of products written so far.
// It returns every generated SKU.
func Seed(ctx context.Context, pool *pgxpool.Pool, products int, progress func(done int)) ([]string, error) {
	if products < 0 {
		return nil, errors.New("seed catalog: negative product count")
	}
	g := newSeedGenerator()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed catalog: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // no-op after commit

	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"catalog", "brand"}, []string{"id", "name", "slug"},
		pgx.CopyFromRows(g.brandRows)); err != nil {
		return nil, fmt.Errorf("seed catalog brands: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"catalog", "category"}, []string{"id", "parent_id", "name", "slug", "position"},
		pgx.CopyFromRows(g.categoryRows)); err != nil {
		return nil, fmt.Errorf("seed catalog categories: %w", err)
	}

	skus := make([]string, 0, products*3)
	var chunk seedChunkRows
	for done := 0; done < products; {
		n := min(seedChunk, products-done)
		chunk.reset()
		for i := done; i < done+n; i++ {
			g.product(i, &chunk)
		}
		for _, c := range []struct {
			table   string
			columns []string
			rows    [][]any
		}{
			{"product", []string{"id", "title", "description", "brand_id", "category_id", "media", "currency", "price_min", "rating_count", "rating_sum", "created_at"}, chunk.products},
			{"variant", []string{"sku", "product_id", "position", "title", "options", "price", "weight_grams"}, chunk.variants},
			{"review", []string{"id", "product_id", "rating", "title", "body", "author_name", "created_at"}, chunk.reviews},
		} {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"catalog", c.table}, c.columns, pgx.CopyFromRows(c.rows)); err != nil {
				return nil, fmt.Errorf("seed catalog %ss %d-%d: %w", c.table, done, done+n, err)
			}
		}
		skus = append(skus, chunk.skus...)
		done += n
		if progress != nil {
			progress(done)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("seed catalog: commit: %w", err)
	}
	// Fresh statistics, so the first listings already plan on the sort indexes.
	if _, err := pool.Exec(ctx, `ANALYZE catalog.brand, catalog.category, catalog.product, catalog.variant, catalog.review`); err != nil {
		return nil, fmt.Errorf("seed catalog: analyze: %w", err)
	}
	return skus, nil
}

// seedChunkRows holds the COPY rows of one chunk of products; its slices are reused.
type seedChunkRows struct {
	products, variants, reviews [][]any
	skus                        []string
}

func (c *seedChunkRows) reset() {
	c.products, c.variants, c.reviews, c.skus = c.products[:0], c.variants[:0], c.reviews[:0], c.skus[:0]
}

type seedLeaf struct {
	id string
	*seedCategory
}

type seedBrand struct {
	id, name, code string
}

type seedGenerator struct {
	rnd          *rand.Rand
	entropy      randReader
	leaves       []seedLeaf
	brands       []seedBrand
	brandRows    [][]any
	categoryRows [][]any
}

// randReader feeds ULID entropy from the seeded source.
type randReader struct{ rnd *rand.Rand }

func (r randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.rnd.Uint32())
	}
	return len(p), nil
}

func newSeedGenerator() *seedGenerator {
	rnd := rand.New(rand.NewPCG(20240101, 42))
	g := &seedGenerator{rnd: rnd, entropy: randReader{rnd}}
	for i, name := range seedBrands {
		id := g.id(seedBaseTime.Add(-time.Duration(len(seedBrands)-i) * time.Hour))
		g.brands = append(g.brands, seedBrand{id: id, name: name, code: strings.ToUpper(name[:3])})
		g.brandRows = append(g.brandRows, []any{id, name, slug(name)})
	}
	at := seedBaseTime.Add(-30 * 24 * time.Hour)
	var walk func(nodes []seedCategory, parent *string, prefix string)
	walk = func(nodes []seedCategory, parent *string, prefix string) {
		for i := range nodes {
			n := &nodes[i]
			at = at.Add(time.Minute)
			id := g.id(at)
			s := slug(n.name)
			if prefix != "" {
				s = prefix + "-" + s // "men-jackets": sibling trees reuse names
			}
			g.categoryRows = append(g.categoryRows, []any{id, parent, n.name, s, i})
			if len(n.children) == 0 {
				g.leaves = append(g.leaves, seedLeaf{id: id, seedCategory: n})
				continue
			}
			walk(n.children, &id, s)
		}
	}
	walk(seedTree, nil, "")
	return g
}

func (g *seedGenerator) id(t time.Time) string {
	return ulid.MustNew(ulid.Timestamp(t), g.entropy).String()
}

func (g *seedGenerator) pick(words []string) string { return words[g.rnd.IntN(len(words))] }

func (g *seedGenerator) between(lo, hi int64) int64 { return lo + g.rnd.Int64N(hi-lo+1) }

// product appends the rows of the i-th product: the product, its variants and its reviews.
func (g *seedGenerator) product(i int, c *seedChunkRows) {
	created := seedBaseTime.Add(time.Duration(i) * seedProductInterval)
	id := g.id(created)
	leaf := g.leaves[g.rnd.IntN(len(g.leaves))]
	brand := g.brands[g.rnd.IntN(len(g.brands))]
	noun, feature := g.pick(leaf.nouns), g.pick(leaf.features)
	title := brand.name + " " + feature + " " + noun
	if line := g.pick(seedLines); line != "" {
		title += " " + line
	}
	description := fmt.Sprintf(g.pick(seedOpenings), title) + " " +
		fmt.Sprintf(g.pick(seedDetails), strings.ToLower(feature)) + " " + g.pick(seedClosings)

	media := make([]mediaJSON, 1+g.rnd.IntN(4))
	for k := range media {
		media[k] = mediaJSON{
			URL: "https://images.shopgraph.example/products/" + strings.ToLower(id) + "/" + strconv.Itoa(k+1) + ".jpg",
			Alt: title + ", view " + strconv.Itoa(k+1),
		}
	}

	// Prices end in 99 cents, as shelf prices do; larger sizes cost a little more.
	base := g.between(leaf.price[0], leaf.price[1])/100*100 + 99
	weight := int(g.between(int64(leaf.weight[0]), int64(leaf.weight[1])))
	n := 1 + g.rnd.IntN(5)
	priceMin := int64(-1)
	var options [][]optionJSON
	if len(leaf.sizes) > 0 {
		n = min(n, len(leaf.sizes))
		start := g.rnd.IntN(len(leaf.sizes) - n + 1)
		colour := g.pick(seedColours)
		for k := range n {
			options = append(options, []optionJSON{{"Size", leaf.sizes[start+k]}, {"Colour", colour}})
		}
	} else {
		for _, k := range g.rnd.Perm(len(seedColours))[:n] {
			options = append(options, []optionJSON{{"Colour", seedColours[k]}})
		}
	}
	for k, opts := range options {
		price := base
		if len(leaf.sizes) > 0 {
			price += int64(k) * 200
		}
		if priceMin < 0 || price < priceMin {
			priceMin = price
		}
		values := make([]string, len(opts))
		for j, o := range opts {
			values[j] = o.Value
		}
		sku := fmt.Sprintf("%s-%07d-%d", brand.code, i, k+1)
		c.skus = append(c.skus, sku)
		c.variants = append(c.variants, []any{sku, id, k, strings.Join(values, " / "), mustJSON(opts), price, weight + k*weight/20})
	}

	reviews := g.rnd.IntN(9)
	ratingSum := 0
	for range reviews {
		rating := g.rating()
		ratingSum += rating
		at := created.Add(time.Duration(g.rnd.Int64N(int64(180 * 24 * time.Hour))))
		author := g.pick(seedFirstNames) + " " + string(seedLastInitials[g.rnd.IntN(len(seedLastInitials))]) + "."
		c.reviews = append(c.reviews, []any{g.id(at), id, int16(rating), g.pick(seedReviewTitles[rating]),
			g.pick(seedReviewBodies[rating]), author, at})
	}
	c.products = append(c.products, []any{id, title, description, brand.id, leaf.id, mustJSON(media), seedCurrency,
		priceMin, reviews, ratingSum, created})
}

// rating draws a review rating, skewed towards the good end as real ratings are.
func (g *seedGenerator) rating() int {
	switch x := g.rnd.IntN(100); {
	case x < 5:
		return 1
	case x < 12:
		return 2
	case x < 27:
		return 3
	case x < 60:
		return 4
	default:
		return 5
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings are marshalled here
	}
	return b
}

// slug turns a display name into a URL segment: "Home & Kitchen" → "home-kitchen".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
