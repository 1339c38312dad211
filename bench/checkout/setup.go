package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
)

// sku is a variant the benchmark buys, with the currency of its price (a cart holds one).
type sku struct {
	SKU      string
	Currency string
	Total    int
}

// cart is one prepared checkout: a cart with lines, and who may check it out.
type cart struct {
	id   string
	who  auth
	skus []string
}

const (
	opProducts = `query { products(first: 100) { edges { node { variants { sku price { currency } availability { total } } } } } }`
	opCenters  = `query { fulfillmentCenters { id code } }`
	opVariant  = `query($sku: String!) { variant(sku: $sku) { availability { total } inStock } }`
	// The stock mutations select their variant, so the gateway purges the cached availability
	// of the SKU as they return: the next read sees the new stock, not a cached one.
	opRestock = `mutation($in: RestockInput!) { restock(input: $in) { variant { sku } stockLevel { available } userErrors { code message } } }`
	opSetHot  = `mutation($in: SetHotSkuInput!) { setHotSku(input: $in) { variant { sku } hot userErrors { code message } } }`
	opLogin   = `mutation($in: LoginInput!) { login(input: $in) { token userErrors { code message } } }`
	opMyCart  = `query { cart { id version lines { sku } } }`
	opGuest   = `mutation { createGuestCart { cart { id version } cartToken userErrors { code message } } }`
	opAdd     = `mutation($in: AddToCartInput!) { addToCart(input: $in) { cart { version } userErrors { code message } } }`
	opRemove  = `mutation($in: RemoveCartLineInput!) { removeCartLine(input: $in) { cart { version } userErrors { code message } } }`
)

// catalogSKUs reads the variants of the first 100 products, grouped by currency.
func catalogSKUs(ctx context.Context, c *client) (map[string][]sku, error) {
	var out struct {
		Products struct {
			Edges []struct {
				Node struct {
					Variants []struct {
						SKU   string `json:"sku"`
						Price struct {
							Currency string `json:"currency"`
						} `json:"price"`
						Availability struct {
							Total int `json:"total"`
						} `json:"availability"`
					} `json:"variants"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"products"`
	}
	if err := c.do(ctx, auth{}, opProducts, nil, &out); err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	byCurrency := map[string][]sku{}
	for _, e := range out.Products.Edges {
		for _, v := range e.Node.Variants {
			byCurrency[v.Price.Currency] = append(byCurrency[v.Price.Currency], sku{SKU: v.SKU, Currency: v.Price.Currency, Total: v.Availability.Total})
		}
	}
	if len(byCurrency) == 0 {
		return nil, errors.New("the catalog has no variants: seed the store first")
	}
	return byCurrency, nil
}

// largestCurrency picks the currency most variants are priced in, so carts can mix SKUs.
func largestCurrency(byCurrency map[string][]sku) []sku {
	var best []sku
	keys := make([]string, 0, len(byCurrency))
	for k := range byCurrency {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(byCurrency[k]) > len(best) {
			best = byCurrency[k]
		}
	}
	return best
}

// centerID finds the fulfillment center with the given code (else the first): stock is added
// at the one nearest the benchmark's shipping address, so the run measures checkout rather
// than a search for a center that can ship.
func centerID(ctx context.Context, c *client, code string) (string, error) {
	var out struct {
		FulfillmentCenters []struct {
			ID   string `json:"id"`
			Code string `json:"code"`
		} `json:"fulfillmentCenters"`
	}
	if err := c.do(ctx, auth{}, opCenters, nil, &out); err != nil {
		return "", fmt.Errorf("read fulfillment centers: %w", err)
	}
	for _, fc := range out.FulfillmentCenters {
		if fc.Code == code {
			return fc.ID, nil
		}
	}
	if len(out.FulfillmentCenters) == 0 {
		return "", errors.New("the store has no fulfillment centers")
	}
	return out.FulfillmentCenters[0].ID, nil
}

// The staff account `shopgraph seed` adds, which the benchmark signs in as to prepare stock.
const (
	defaultStaffEmail    = "staff@shopgraph.dev"
	defaultStaffPassword = "shopgraph-staff"
)

// credentials sign an account in.
type credentials struct {
	email, password string
}

// signInStaff signs the staff account in: restock and setHotSku refuse anyone else. A token
// lasts a day, far longer than a run.
func signInStaff(ctx context.Context, c *client, staff credentials) (auth, error) {
	token, err := login(ctx, c, staff.email, staff.password)
	if err != nil {
		return auth{}, fmt.Errorf("sign in as staff to prepare stock (-staff-email, -staff-password; `shopgraph seed` adds %s): %w", defaultStaffEmail, err)
	}
	return auth{bearer: token}, nil
}

// restock adds qty units of s at fc; who must be staff.
func restock(ctx context.Context, c *client, who auth, s, fc string, qty int) error {
	var out struct {
		Restock struct {
			UserErrors []userError `json:"userErrors"`
		} `json:"restock"`
	}
	vars := map[string]any{"in": map[string]any{"sku": s, "fulfillmentCenterId": fc, "quantity": qty}}
	if err := c.do(ctx, who, opRestock, vars, &out); err != nil {
		return fmt.Errorf("restock %s: %w", s, err)
	}
	return refused("restock "+s, out.Restock.UserErrors)
}

// setHot moves s to the flash-sale path or back; who must be staff.
func setHot(ctx context.Context, c *client, who auth, s string, hot bool) error {
	var out struct {
		SetHotSku struct {
			UserErrors []userError `json:"userErrors"`
		} `json:"setHotSku"`
	}
	vars := map[string]any{"in": map[string]any{"sku": s, "hot": hot}}
	if err := c.do(ctx, who, opSetHot, vars, &out); err != nil {
		return fmt.Errorf("setHotSku %s: %w", s, err)
	}
	return refused("setHotSku "+s, out.SetHotSku.UserErrors)
}

// available reads what the graph tells a shopper about a SKU: units that can be sold now, and
// whether it is in stock.
func available(ctx context.Context, c *client, s string) (total int, inStock bool, err error) {
	var out struct {
		Variant *struct {
			Availability struct {
				Total int `json:"total"`
			} `json:"availability"`
			InStock bool `json:"inStock"`
		} `json:"variant"`
	}
	if err := c.do(ctx, auth{}, opVariant, map[string]any{"sku": s}, &out); err != nil {
		return 0, false, fmt.Errorf("read availability of %s: %w", s, err)
	}
	if out.Variant == nil {
		return 0, false, fmt.Errorf("variant %s not found", s)
	}
	return out.Variant.Availability.Total, out.Variant.InStock, nil
}

func login(ctx context.Context, c *client, email, password string) (string, error) {
	var out struct {
		Login struct {
			Token      string      `json:"token"`
			UserErrors []userError `json:"userErrors"`
		} `json:"login"`
	}
	vars := map[string]any{"in": map[string]any{"email": email, "password": password}}
	if err := c.do(ctx, auth{}, opLogin, vars, &out); err != nil {
		return "", fmt.Errorf("login %s: %w", email, err)
	}
	if err := refused("login "+email, out.Login.UserErrors); err != nil {
		return "", err
	}
	return out.Login.Token, nil
}

// customerCart returns the signed-in customer's cart emptied of what an earlier run left.
func customerCart(ctx context.Context, c *client, who auth) (id string, version int, err error) {
	var out struct {
		Cart *struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
			Lines   []struct {
				SKU string `json:"sku"`
			} `json:"lines"`
		} `json:"cart"`
	}
	if err := c.do(ctx, who, opMyCart, nil, &out); err != nil {
		return "", 0, fmt.Errorf("read cart: %w", err)
	}
	if out.Cart == nil {
		return "", 0, errors.New("a signed-in customer has no cart")
	}
	id, version = out.Cart.ID, out.Cart.Version
	for _, l := range out.Cart.Lines {
		var rm struct {
			RemoveCartLine struct {
				Cart *struct {
					Version int `json:"version"`
				} `json:"cart"`
				UserErrors []userError `json:"userErrors"`
			} `json:"removeCartLine"`
		}
		vars := map[string]any{"in": map[string]any{"cartId": id, "version": version, "sku": l.SKU}}
		if err := c.do(ctx, who, opRemove, vars, &rm); err != nil {
			return "", 0, fmt.Errorf("empty cart: %w", err)
		}
		if err := refused("empty cart", rm.RemoveCartLine.UserErrors); err != nil {
			return "", 0, err
		}
		version = rm.RemoveCartLine.Cart.Version
	}
	return id, version, nil
}

func guestCart(ctx context.Context, c *client) (id string, version int, who auth, err error) {
	var out struct {
		CreateGuestCart struct {
			Cart *struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			} `json:"cart"`
			CartToken  string      `json:"cartToken"`
			UserErrors []userError `json:"userErrors"`
		} `json:"createGuestCart"`
	}
	if err := c.do(ctx, auth{}, opGuest, nil, &out); err != nil {
		return "", 0, auth{}, fmt.Errorf("create guest cart: %w", err)
	}
	if err := refused("create guest cart", out.CreateGuestCart.UserErrors); err != nil {
		return "", 0, auth{}, err
	}
	g := out.CreateGuestCart
	return g.Cart.ID, g.Cart.Version, auth{cartToken: g.CartToken}, nil
}

func addToCart(ctx context.Context, c *client, who auth, id string, version int, s string, qty int) (int, error) {
	var out struct {
		AddToCart struct {
			Cart *struct {
				Version int `json:"version"`
			} `json:"cart"`
			UserErrors []userError `json:"userErrors"`
		} `json:"addToCart"`
	}
	vars := map[string]any{"in": map[string]any{"cartId": id, "version": version, "sku": s, "quantity": qty}}
	if err := c.do(ctx, who, opAdd, vars, &out); err != nil {
		return 0, fmt.Errorf("add %s to cart: %w", s, err)
	}
	if err := refused("add "+s+" to cart", out.AddToCart.UserErrors); err != nil {
		return 0, err
	}
	return out.AddToCart.Cart.Version, nil
}

// prepareCarts builds n carts, each holding lines of one unit of 1 to maxLines distinct SKUs
// drawn from pool (a single SKU when pool has one). Customers' carts when tokens are given
// (one each, so n must not exceed them), else guest carts.
func prepareCarts(ctx context.Context, c *client, n, workers, maxLines int, pool []string, tokens []string, seed uint64) ([]cart, error) {
	carts := make([]cart, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				var (
					id      string
					version int
					who     auth
					err     error
				)
				if tokens != nil {
					who = auth{bearer: tokens[i]}
					id, version, err = customerCart(ctx, c, who)
				} else {
					id, version, who, err = guestCart(ctx, c)
				}
				if err != nil {
					errc <- err
					cancel()
					return
				}
				lines := 1 + rng.IntN(maxLines)
				picked := pickDistinct(rng, pool, lines)
				for _, s := range picked {
					if version, err = addToCart(ctx, c, who, id, version, s, 1); err != nil {
						errc <- err
						cancel()
						return
					}
				}
				carts[i] = cart{id: id, who: who, skus: picked}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return carts, ctx.Err()
}

func pickDistinct(rng *rand.Rand, pool []string, k int) []string {
	k = min(k, len(pool))
	idx := rng.Perm(len(pool))[:k]
	out := make([]string, k)
	for i, j := range idx {
		out[i] = pool[j]
	}
	return out
}

// loginAll signs in customer1 … customer<n> concurrently (bcrypt makes each login slow).
func loginAll(ctx context.Context, c *client, n, workers int, password string) ([]string, error) {
	tokens := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t, err := login(ctx, c, fmt.Sprintf("customer%d@example.com", i+1), password)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				tokens[i] = t
			}
		}()
	}
	wg.Wait()
	return tokens, firstErr
}
