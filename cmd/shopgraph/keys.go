package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopgraph/shopgraph/gateway/partner"
	partnerpg "github.com/shopgraph/shopgraph/gateway/partner/postgres"
	"github.com/shopgraph/shopgraph/gateway/quota"
)

const keysUsage = `usage:
  shopgraph keys create --name NAME [--quota 600/m] [--max-cost 5000] [--scopes products,search]
  shopgraph keys list
  shopgraph keys revoke ID`

// runKeys manages the partner endpoint's API keys.
func runKeys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	var cfg config
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	cfg.register(fs, false)
	var name, rate, scopes string
	var maxCost int
	if args[0] == "create" {
		fs.StringVar(&name, "name", "", "who the key is for (required)")
		fs.StringVar(&rate, "quota", "600/m", "requests per period: N/s, N/m, N/h or N/d")
		fs.IntVar(&maxCost, "max-cost", 5000, "the dearest operation the key may run")
		fs.StringVar(&scopes, "scopes", "products,search", "comma-separated scopes: "+strings.Join(knownScopes(), ", "))
	}
	rest, id := args[1:], ""
	if args[0] == "revoke" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		id, rest = rest[0], rest[1:] // keys revoke ID [flags]
	}
	if err := cfg.parse(fs, rest); err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := partnerpg.NewStore(pool)
	switch args[0] {
	case "create":
		k, err := newKey(name, rate, maxCost, scopes)
		if err != nil {
			return err
		}
		key, secret, err := partner.Create(ctx, store, k)
		if err != nil {
			return err
		}
		fmt.Printf("created key %s (%s): quota %s, max cost %d, scopes %s\n\n  %s\n\nThis is the only time the key is shown; store it now.\n",
			key.ID, key.Name, key.Quota, key.MaxCost, strings.Join(key.Scopes, ","), secret)
		return nil
	case "list":
		keys, err := store.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tQUOTA\tMAX COST\tSCOPES\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", k.ID, k.Name, k.Quota, k.MaxCost, strings.Join(k.Scopes, ","), k.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if id == "" && fs.NArg() == 1 {
			id = fs.Arg(0)
		}
		if id == "" || fs.NArg() > 1 {
			return errors.New(keysUsage)
		}
		ok, err := store.Revoke(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no live key with id %s", id)
		}
		fmt.Printf("revoked key %s; gateways stop accepting it within their key cache time (--partner-key-cache, 5s by default)\n", id)
		return nil
	}
	return errors.New(keysUsage)
}

// newKey checks the create flags.
func newKey(name, rate string, maxCost int, scopes string) (partner.NewKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return partner.NewKey{}, errors.New("keys create: --name is required (at most 200 characters)")
	}
	r, err := quota.ParseRate(rate)
	if err != nil {
		return partner.NewKey{}, fmt.Errorf("keys create: --quota: %w", err)
	}
	if maxCost <= 0 {
		return partner.NewKey{}, errors.New("keys create: --max-cost must be positive")
	}
	k := partner.NewKey{Name: name, Quota: r, MaxCost: maxCost}
	for _, s := range strings.Split(scopes, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !partner.DefaultScopes.Known(s) {
			return partner.NewKey{}, fmt.Errorf("keys create: unknown scope %q (known: %s)", s, strings.Join(knownScopes(), ", "))
		}
		if !slices.Contains(k.Scopes, s) {
			k.Scopes = append(k.Scopes, s)
		}
	}
	if len(k.Scopes) == 0 {
		return partner.NewKey{}, errors.New("keys create: --scopes names no scope")
	}
	return k, nil
}

func knownScopes() []string {
	var names []string
	for s := range partner.DefaultScopes {
		names = append(names, s)
	}
	slices.Sort(names)
	return names
}
