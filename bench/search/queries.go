package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// query is one query of the mix: the same variables on both paths; the gateway's operation
// also asks the catalog's and inventory's fields of every product.
type query struct {
	name            string
	direct, gateway string
	vars            map[string]any
}

const (
	searchArgs = `($q: String, $f: SearchFilter, $s: SearchSort, $n: Int)`
	searchCall = `search(query: $q, filter: $f, sort: $s, first: $n)`
	facets     = `totalCount facets { categories { id count } brands { id count } prices { min max count } ratings { minRating count } inStock outOfStock }`
	page       = `pageInfo { hasNextPage endCursor }`
	// What a storefront's result list shows of a product, from the catalog and inventory.
	productFields = `id title brand { name } priceRange { min { amount currency } } rating { average count } media { url } inStock`
)

func searchOp(node string, withFacets bool) string {
	f := ""
	if withFacets {
		f = facets
	}
	return `query` + searchArgs + ` { ` + searchCall + ` { edges { cursor node { ` + node + ` } highlights { field fragments } } ` + page + ` ` + f + ` } }`
}

// mix is the fixed mix of subgraphs/search/sources.benchMix, as GraphQL.
func mix(root string) []query {
	q := func(name string, withFacets bool, vars map[string]any) query {
		return query{name: name, direct: searchOp("id", withFacets), gateway: searchOp(productFields, withFacets), vars: vars}
	}
	suggest := `query($p: String!) { suggest(prefix: $p) }`
	return []query{
		q("words", true, map[string]any{"q": "wireless headphones", "n": 20}),
		q("words-next-page-without-facets", false, map[string]any{"q": "wireless headphones", "n": 20}),
		q("typos", true, map[string]any{"q": "wireles hedphones", "n": 20}),
		q("browse-category", true, map[string]any{"f": map[string]any{"categoryIds": []string{root}}, "s": "NEWEST", "n": 20}),
		q("words-filters-price", true, map[string]any{"q": "keyboard", "f": map[string]any{"priceMax": 10_000, "minRating": 3.0, "inStockOnly": true}, "s": "PRICE_ASC", "n": 20}),
		q("browse-all-rating", true, map[string]any{"s": "RATING", "n": 100}),
		{name: "suggest", direct: suggest, gateway: suggest, vars: map[string]any{"p": "head"}},
	}
}

// rootCategory is the first root category (the mix browses it) and the indexed product count.
func rootCategory(ctx context.Context, c *client) (string, int, error) {
	var out struct {
		Categories []struct {
			ID string `json:"id"`
		} `json:"categories"`
		Search struct {
			TotalCount int `json:"totalCount"`
		} `json:"search"`
	}
	if err := c.do(ctx, `{ categories { id } search(first: 0) { totalCount } }`, nil, &out); err != nil {
		return "", 0, fmt.Errorf("read categories: %w", err)
	}
	if len(out.Categories) == 0 || out.Search.TotalCount == 0 {
		return "", 0, errors.New("the store has no categories or the search index is empty: seed the store and wait for serve to index it")
	}
	return out.Categories[0].ID, out.Search.TotalCount, nil
}

// product is what freshness needs of a product: how to find it in search, and a SKU to restock.
type product struct {
	ID       string
	Title    string
	Brand    string
	Category string
	SKU      string
}

// outOfStock walks the newest products through the gateway and returns up to n that cannot be
// sold now.
func outOfStock(ctx context.Context, c *client, n int) ([]product, error) {
	const op = `query($after: String) { search(sort: NEWEST, first: 100, after: $after) {
		edges { node { id title inStock brand { id } category { id } variants { sku } } } pageInfo { hasNextPage endCursor } } }`
	var found []product
	var after any
	for pages := 0; len(found) < n && pages < 200; pages++ {
		var out struct {
			Search struct {
				Edges []struct {
					Node struct {
						ID      string `json:"id"`
						Title   string `json:"title"`
						InStock bool   `json:"inStock"`
						Brand   *struct {
							ID string `json:"id"`
						} `json:"brand"`
						Category *struct {
							ID string `json:"id"`
						} `json:"category"`
						Variants []struct {
							SKU string `json:"sku"`
						} `json:"variants"`
					} `json:"node"`
				} `json:"edges"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"search"`
		}
		if err := c.do(ctx, op, map[string]any{"after": after}, &out); err != nil {
			return nil, fmt.Errorf("find out-of-stock products: %w", err)
		}
		for _, e := range out.Search.Edges {
			p := e.Node
			if p.InStock || len(p.Variants) == 0 || p.Category == nil {
				continue
			}
			fp := product{ID: p.ID, Title: p.Title, Category: p.Category.ID, SKU: p.Variants[0].SKU}
			if p.Brand != nil {
				fp.Brand = p.Brand.ID
			}
			found = append(found, fp)
			if len(found) == n {
				break
			}
		}
		if !out.Search.PageInfo.HasNextPage {
			break
		}
		after = out.Search.PageInfo.EndCursor
	}
	return found, nil
}

// inStockSearch is the search a shopper filtering on stock would run to find p.
func inStockSearch(p product) (string, map[string]any) {
	f := map[string]any{"inStockOnly": true, "categoryIds": []string{p.Category}}
	if p.Brand != "" {
		f["brandIds"] = []string{p.Brand}
	}
	return `query($q: String, $f: SearchFilter) { search(query: $q, filter: $f, first: 100) { edges { node { id } } } }`,
		map[string]any{"q": strings.Join(strings.Fields(p.Title), " "), "f": f}
}
