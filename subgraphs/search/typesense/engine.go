// Package typesense is the search engine for clusters: the product index in a Typesense
// cluster, used when TYPESENSE_URL is set. It holds to the same conformance suite as the
// embedded engine.
//
// The index is an alias (Config.Alias) over a collection; a rebuild fills a new collection and
// moves the alias to it, Typesense's documented way to reindex without downtime.
package typesense

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	ts "github.com/typesense/typesense-go/v2/typesense"
	"github.com/typesense/typesense-go/v2/typesense/api"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Environment variables that select and configure the engine.
const (
	EnvURL    = "TYPESENSE_URL"
	EnvAPIKey = "TYPESENSE_API_KEY"
)

// Config says where the cluster is and what the index is called.
type Config struct {
	URL    string // one node or a load balancer in front of the cluster
	APIKey string
	Alias  string // the index's name; "products" when empty
}

// ConfigFromEnv reads TYPESENSE_URL and TYPESENSE_API_KEY; URL is empty when not set.
func ConfigFromEnv() Config {
	return Config{URL: os.Getenv(EnvURL), APIKey: os.Getenv(EnvAPIKey)}
}

// Engine is a Typesense index of products; it implements search.Engine.
type Engine struct {
	client *ts.Client
	alias  string
}

var _ search.Engine = (*Engine)(nil)

// Field names of a document in the collection.
const (
	fieldTitle       = "title"
	fieldDescription = "description"
	fieldBrandName   = "brand_name"
	fieldBrandID     = "brand_id"
	fieldCategory    = "category_path"
	fieldPrice       = "price"
	fieldCurrency    = "currency"
	fieldRating      = "rating"
	fieldPopularity  = "popularity"
	fieldInStock     = "in_stock"
	fieldCreated     = "created"
	// fieldSortKey repeats the id as a sortable field: every order ends with it, so it is total.
	fieldSortKey = "sort_key"
)

func ptr[T any](v T) *T { return &v }

func schema(name string) *api.CollectionSchema {
	yes, no := ptr(true), ptr(false)
	return &api.CollectionSchema{
		Name: name,
		Fields: []api.Field{
			{Name: fieldTitle, Type: "string"},
			{Name: fieldDescription, Type: "string"},
			{Name: fieldBrandName, Type: "string", Optional: yes},
			{Name: fieldBrandID, Type: "string", Facet: yes, Optional: yes},
			{Name: fieldCategory, Type: "string[]", Facet: yes, Optional: yes},
			{Name: fieldPrice, Type: "int64"},
			{Name: fieldCurrency, Type: "string", Index: no, Optional: yes},
			{Name: fieldRating, Type: "float"},
			{Name: fieldPopularity, Type: "int32"},
			{Name: fieldInStock, Type: "bool", Facet: yes},
			{Name: fieldCreated, Type: "int64"},
			{Name: fieldSortKey, Type: "string", Sort: yes},
		},
		DefaultSortingField: ptr(fieldPopularity),
	}
}

// Open connects to the cluster and makes sure the alias names a collection, creating an empty
// one the first time.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.URL == "" {
		return nil, errors.New("typesense: no URL configured")
	}
	if cfg.Alias == "" {
		cfg.Alias = "products"
	}
	e := &Engine{
		client: ts.NewClient(ts.WithServer(cfg.URL), ts.WithAPIKey(cfg.APIKey),
			ts.WithConnectionTimeout(5*time.Second), ts.WithNumRetries(2)),
		alias: cfg.Alias,
	}
	_, err := e.client.Alias(cfg.Alias).Retrieve(ctx)
	if notFound(err) {
		name, err := e.create(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := e.client.Aliases().Upsert(ctx, cfg.Alias, &api.CollectionAliasSchema{CollectionName: name}); err != nil {
			return nil, fmt.Errorf("typesense: point %s at %s: %w", cfg.Alias, name, err)
		}
		return e, nil
	}
	if err != nil {
		return nil, fmt.Errorf("typesense: read alias %s: %w", cfg.Alias, err)
	}
	return e, nil
}

func notFound(err error) bool {
	var h *ts.HTTPError
	return errors.As(err, &h) && h.Status == http.StatusNotFound
}

func (e *Engine) create(ctx context.Context) (string, error) {
	name := e.alias + "_" + strings.ToLower(ulid.Make().String())
	if _, err := e.client.Collections().Create(ctx, schema(name)); err != nil {
		return "", fmt.Errorf("typesense: create collection %s: %w", name, err)
	}
	return name, nil
}

// Close implements search.Engine; the HTTP client holds nothing to release.
func (e *Engine) Close() error { return nil }

// Drop deletes the alias and its collection (for tests and teardown).
func (e *Engine) Drop(ctx context.Context) error {
	a, err := e.client.Alias(e.alias).Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("typesense: read alias %s: %w", e.alias, err)
	}
	if _, err := e.client.Alias(e.alias).Delete(ctx); err != nil {
		return fmt.Errorf("typesense: delete alias %s: %w", e.alias, err)
	}
	if _, err := e.client.Collection(a.CollectionName).Delete(ctx); err != nil {
		return fmt.Errorf("typesense: delete collection %s: %w", a.CollectionName, err)
	}
	return nil
}

func fields(d search.Document) map[string]any {
	m := map[string]any{
		"id":             d.ID,
		fieldTitle:       d.Title,
		fieldDescription: d.Description,
		fieldCategory:    nonNil(d.CategoryPath),
		fieldPrice:       d.PriceMin,
		fieldCurrency:    d.Currency,
		fieldRating:      d.Rating,
		fieldPopularity:  d.ReviewCount,
		fieldInStock:     d.InStock,
		fieldCreated:     d.CreatedAt.UnixMilli(),
		fieldSortKey:     d.ID,
	}
	if d.BrandID != "" {
		m[fieldBrandID] = d.BrandID
		m[fieldBrandName] = d.BrandName
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Upsert imports the documents into the alias's collection.
func (e *Engine) Upsert(ctx context.Context, docs []search.Document) error {
	return upsert(ctx, e.client, e.alias, docs)
}

// Delete removes documents by id.
func (e *Engine) Delete(ctx context.Context, ids []string) error {
	return remove(ctx, e.client, e.alias, ids)
}

func upsert(ctx context.Context, c *ts.Client, collection string, docs []search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	batch := make([]any, len(docs))
	for i, d := range docs {
		batch[i] = fields(d)
	}
	res, err := c.Collection(collection).Documents().Import(ctx, batch,
		&api.ImportDocumentsParams{Action: ptr("upsert"), BatchSize: ptr(len(docs))})
	if err != nil {
		return fmt.Errorf("typesense: import %d products: %w", len(docs), err)
	}
	for i, r := range res {
		if !r.Success {
			return fmt.Errorf("typesense: import product %s: %s", docs[i].ID, r.Error)
		}
	}
	return nil
}

func remove(ctx context.Context, c *ts.Client, collection string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := c.Collection(collection).Documents().Delete(ctx, &api.DeleteDocumentsParams{
		FilterBy: ptr("id:" + anyOf(ids)), BatchSize: ptr(len(ids))})
	if err != nil {
		return fmt.Errorf("typesense: delete %d products: %w", len(ids), err)
	}
	return nil
}

// Rebuild creates a new collection beside the one the alias names.
func (e *Engine) Rebuild(ctx context.Context) (search.Build, error) {
	name, err := e.create(ctx)
	if err != nil {
		return nil, err
	}
	return &build{engine: e, name: name}, nil
}

type build struct {
	engine *Engine
	name   string
}

func (b *build) Upsert(ctx context.Context, docs []search.Document) error {
	return upsert(ctx, b.engine.client, b.name, docs)
}

func (b *build) Delete(ctx context.Context, ids []string) error {
	return remove(ctx, b.engine.client, b.name, ids)
}

// Commit moves the alias to the new collection, then drops the old one.
func (b *build) Commit(ctx context.Context) error {
	c := b.engine.client
	old, err := c.Alias(b.engine.alias).Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("typesense: read alias %s: %w", b.engine.alias, err)
	}
	if _, err := c.Aliases().Upsert(ctx, b.engine.alias, &api.CollectionAliasSchema{CollectionName: b.name}); err != nil {
		return fmt.Errorf("typesense: point %s at %s: %w", b.engine.alias, b.name, err)
	}
	if _, err := c.Collection(old.CollectionName).Delete(ctx); err != nil && !notFound(err) {
		return fmt.Errorf("typesense: drop replaced collection %s: %w", old.CollectionName, err)
	}
	return nil
}

func (b *build) Abort() error {
	_, err := b.engine.client.Collection(b.name).Delete(context.Background())
	return err
}
