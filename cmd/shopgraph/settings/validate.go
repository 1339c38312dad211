package settings

import (
	"errors"
	"reflect"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// fieldError is a value out of range, at a dotted key.
type fieldError struct {
	path   string
	reason string
}

func (e *fieldError) Error() string { return e.path + ": " + e.reason }

func (f *File) validate() error {
	// A bad duration anywhere is reported with its key (decoding could not say where it was).
	if err := walk(reflect.ValueOf(f).Elem(), "", func(key string, v reflect.Value) error {
		if d, ok := v.Interface().(Duration); ok && d == badDuration {
			return &fieldError{key, "not a duration such as 30s or 5m"}
		}
		return nil
	}); err != nil {
		return err
	}
	switch {
	case f.DatabaseURL == "":
		return &fieldError{"database_url", "must not be empty"}
	case f.RedisURL == "":
		return &fieldError{"redis_url", "must not be empty"}
	case f.Listen == "":
		return &fieldError{"listen", "must not be empty"}
	case f.Data.SearchEngine != "memory" && f.Data.SearchEngine != "bleve":
		return &fieldError{"data.search_engine", "must be memory or bleve"}
	case f.Data.SearchSnapshotEvery < 0:
		return &fieldError{"data.search_snapshot_every", "must be 0 (on shutdown only) or a positive duration such as 5m"}
	case f.Data.KeyPurgeEvery < 0:
		return &fieldError{"data.key_purge_every", "must be a positive duration such as 1h (0: the default)"}
	case f.Data.KeyPurgeBatch < 0:
		return &fieldError{"data.key_purge_batch", "must be a positive number of keys (0: the default)"}
	case f.Data.CartMutationWindow < 0:
		return &fieldError{"data.cart_mutation_window", "must be a positive duration such as 24h (0: the default)"}
	case f.Data.GuestCartIdle < 0:
		return &fieldError{"data.guest_cart_idle", "must be a positive duration such as 720h (0: the default)"}
	case f.Data.FailedCheckoutRetention < 0:
		return &fieldError{"data.failed_checkout_retention", "must be a positive duration such as 720h (0: the default)"}
	}
	return f.Gateway.validate()
}

func (g *Gateway) validate() error {
	if err := positive("gateway.subgraph_timeout", g.SubgraphTimeout); err != nil {
		return err
	}
	if err := positive("gateway.request_timeout", g.RequestTimeout); err != nil {
		return err
	}
	for key, v := range map[string]int{"gateway.plan_cache": g.PlanCache, "gateway.max_depth": g.MaxDepth, "gateway.max_aliases": g.MaxAliases} {
		if v < 1 {
			return &fieldError{key, "must be at least 1"}
		}
	}
	switch {
	case g.GCPercent < 0:
		return &fieldError{"gateway.gc_percent", "must be at least 1 (0: the command's default)"}
	case g.MemoryLimitMiB < 0:
		return &fieldError{"gateway.memory_limit_mib", "must be 0 (no limit) or a number of MiB"}
	}
	return nil
}

func positive(key string, d Duration) error {
	if d == badDuration {
		return &fieldError{key, "not a duration such as 30s or 5m"}
	}
	if time.Duration(d) <= 0 {
		return &fieldError{key, "must be a positive duration such as 30s"}
	}
	return nil
}

// markGiven records the dotted keys the YAML source sets, down to the leaves of the struct
// (a map such as persisted.client_modes counts as one key).
func markGiven(src []byte, given map[string]bool) {
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return
	}
	var f File
	_ = walk(reflect.ValueOf(&f).Elem(), "", func(key string, _ reflect.Value) error {
		if keyLine(file, key) > 0 {
			given[key] = true
		}
		return nil
	})
}

// errorLine is the line a decoding error points at, or 0.
func errorLine(err error) int {
	var se yaml.Error
	if errors.As(err, &se) {
		if tk := se.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line
		}
	}
	return 0
}

// lineOf finds the line of a dotted key in the YAML source, or 0 when it is not there (the
// value came from a default or the environment).
func lineOf(src []byte, key string) int {
	if len(src) == 0 {
		return 0
	}
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return 0
	}
	return keyLine(file, key)
}

// keyLine finds the line of a dotted key in a parsed file, or 0.
func keyLine(file *ast.File, key string) int {
	path, err := yaml.PathString("$." + key)
	if err != nil {
		return 0
	}
	node, err := path.FilterFile(file)
	if err != nil || node == nil {
		return 0
	}
	return node.GetToken().Position.Line
}
