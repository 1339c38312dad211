package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// The money path's pool runs generic plans; the catalog's keeps plans for the values bound.
func TestMoneyPoolRunsGenericPlans(t *testing.T) {
	a := testApp(t, pgtest.NewPool(t, nil, allDomains()...), appOptions{})
	for name, c := range map[string]struct {
		pool *pgxpool.Pool
		want string
	}{"money": {a.money, "force_generic_plan"}, "catalog": {a.pool, "auto"}} {
		var got string
		if err := c.pool.QueryRow(context.Background(), "SHOW plan_cache_mode").Scan(&got); err != nil || got != c.want {
			t.Errorf("%s pool: plan_cache_mode = %q, %v; want %q", name, got, err, c.want)
		}
	}
}
