package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// freshness restocks out-of-stock products one at a time through the gateway and times, from
// the mutation's answer (the change is committed), until a search filtered on stock shows the
// product: the outbox relay, the bus, the search indexer and the index together.
func freshness(ctx context.Context, gateway, direct *client, o options) error {
	products, err := outOfStock(ctx, gateway, o.fresh)
	if err != nil {
		return err
	}
	if len(products) == 0 {
		return errors.New("no out-of-stock product to restock: freshness needs a freshly seeded store")
	}
	center, err := firstCenter(ctx, gateway)
	if err != nil {
		return err
	}
	var took []time.Duration
	for _, p := range products {
		op, vars := inStockSearch(p)
		if shows, err := showsProduct(ctx, direct, op, vars, p.ID); err != nil {
			return err
		} else if shows {
			continue // the search already lists it: nothing to time
		}
		if err := restock(ctx, gateway, p.SKU, center); err != nil {
			return err
		}
		committed := time.Now()
		for {
			shows, err := showsProduct(ctx, direct, op, vars, p.ID)
			if err != nil {
				return err
			}
			if shows {
				took = append(took, time.Since(committed))
				break
			}
			if time.Since(committed) > o.timeout {
				return fmt.Errorf("product %s restocked (SKU %s) is not in stock in search after %s", p.ID, p.SKU, o.timeout)
			}
			time.Sleep(2 * time.Millisecond) // the polling step bounds the resolution
		}
	}
	if len(took) == 0 {
		return errors.New("every out-of-stock product already shows as in stock in search")
	}
	p50, p99 := percentiles(took)
	fmt.Println("| freshness | restocks | p50 | p99 | max |")
	fmt.Println("|---|---|---|---|---|")
	fmt.Printf("| restock committed → search (inStockOnly) lists the product | %d | %s | %s | %s |\n",
		len(took), ms(p50), ms(p99), ms(slices.Max(took)))
	return nil
}

func showsProduct(ctx context.Context, c *client, op string, vars map[string]any, id string) (bool, error) {
	var out struct {
		Search struct {
			Edges []struct {
				Node struct {
					ID string `json:"id"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"search"`
	}
	if err := c.do(ctx, op, vars, &out); err != nil {
		return false, fmt.Errorf("search for %s: %w", id, err)
	}
	for _, e := range out.Search.Edges {
		if e.Node.ID == id {
			return true, nil
		}
	}
	return false, nil
}

func firstCenter(ctx context.Context, c *client) (string, error) {
	var out struct {
		FulfillmentCenters []struct {
			ID string `json:"id"`
		} `json:"fulfillmentCenters"`
	}
	if err := c.do(ctx, `{ fulfillmentCenters { id } }`, nil, &out); err != nil {
		return "", fmt.Errorf("read fulfillment centers: %w", err)
	}
	if len(out.FulfillmentCenters) == 0 {
		return "", errors.New("the store has no fulfillment centers")
	}
	return out.FulfillmentCenters[0].ID, nil
}

func restock(ctx context.Context, c *client, sku, center string) error {
	var out struct {
		Restock struct {
			UserErrors []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"userErrors"`
		} `json:"restock"`
	}
	vars := map[string]any{"in": map[string]any{"sku": sku, "fulfillmentCenterId": center, "quantity": 1}}
	if err := c.do(ctx, `mutation($in: RestockInput!) { restock(input: $in) { userErrors { code message } } }`, vars, &out); err != nil {
		return fmt.Errorf("restock %s: %w", sku, err)
	}
	if len(out.Restock.UserErrors) > 0 {
		return fmt.Errorf("restock %s: %s %s", sku, out.Restock.UserErrors[0].Code, out.Restock.UserErrors[0].Message)
	}
	return nil
}
