package catalogresolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/subgraphs/catalog"
)

// prefetchProducts loads, one query per loader and in parallel, what a selection on these
// products will ask for. gqlgen hands a batch resolver the elements of a list it resolves
// directly, but products reached through a connection's edges or a variant's product are
// resolved one by one: their loads would share a query only if they all arrived within the
// loaders' batch window. Prefetched, the per-product resolvers find them in the loaders'
// cache. A failed prefetch is not reported here: the field's own load retries and reports it.
func prefetchProducts(ctx context.Context, l *loaders.Catalog, products []*catalog.Product, selections ast.SelectionSet) {
	var brands, withVariants []string
	var categories bool
	var reviews []catalog.ReviewPageRequest
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(op, selections, []string{"Product"}) {
		if f.Name == "reviews" {
			reviews = append(reviews, reviewRequests(f, op.Variables, products)...)
			continue
		}
		for _, p := range products {
			if p == nil {
				continue
			}
			switch f.Name {
			case "brand":
				brands = append(brands, p.BrandID)
			case "category":
				categories = true
			case "variants", "priceRange":
				withVariants = append(withVariants, p.ID)
			}
		}
	}
	var wg sync.WaitGroup
	if len(brands) > 0 {
		wg.Go(func() { _, _ = loadKeys(ctx, l.Brand, brands) })
	}
	if categories {
		wg.Go(func() { _, _ = l.CategoryTree(ctx) })
	}
	if len(withVariants) > 0 {
		wg.Go(func() { _, _ = loadKeys(ctx, l.ProductVariants, withVariants) })
	}
	if len(reviews) > 0 {
		wg.Go(func() { _, _ = l.Reviews.LoadAll(ctx, reviews) })
	}
	wg.Wait()
}

// reviewRequests are the review pages a reviews field asks of each product; none when its
// arguments are invalid, which the field's own resolver reports.
func reviewRequests(f graphql.CollectedField, vars map[string]any, products []*catalog.Product) []catalog.ReviewPageRequest {
	args := f.ArgumentMap(vars)
	var first *int
	if n, ok := args["first"].(int64); ok {
		v := int(n)
		first = &v
	}
	after, _ := args["after"].(string)
	var afterp *string
	if after != "" {
		afterp = &after
	}
	var reqs []catalog.ReviewPageRequest
	for _, p := range products {
		if p == nil {
			continue
		}
		req, err := catalog.NewReviewPageRequest(p.ID, first, afterp)
		if err != nil {
			return nil
		}
		reqs = append(reqs, req)
	}
	return reqs
}

// prefetchListing prefetches for the nodes of a product connection (edges { node { ... } }).
func prefetchListing(ctx context.Context, l *loaders.Catalog, products []catalog.Product) {
	op := graphql.GetOperationContext(ctx)
	ptrs := make([]*catalog.Product, len(products))
	for i := range products {
		ptrs[i] = &products[i]
	}
	for _, edges := range graphql.CollectFieldsCtx(ctx, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(op, edges.Selections, nil) {
			if node.Name == "node" {
				prefetchProducts(ctx, l, ptrs, node.Selections)
			}
		}
	}
}
