// Package settings reads shopgraph's one configuration file: YAML, every key documented in
// shopgraph.example.yaml at the repository root, each overridable from the environment.
//
// Precedence, lowest first: built-in defaults, the file, SHOPGRAPH_* environment variables,
// then command-line flags. A file that does not parse, names an unknown key, or holds a value
// out of range refuses to load with its line and the reason; so does a bad environment value,
// naming the variable.
package settings

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/goccy/go-yaml"
)

// File is the whole configuration.
type File struct {
	// DatabaseURL is the Postgres URL (env DATABASE_URL also works, as for every command).
	DatabaseURL string `yaml:"database_url"`
	// RedisURL is the Redis URL shared by every replica.
	RedisURL string `yaml:"redis_url"`
	// Listen is the HTTP listen address of serve and gateway.
	Listen string `yaml:"listen"`
	// Data holds where the embedded stores keep their files.
	Data Data `yaml:"data"`
	// Gateway tunes the federation gateway.
	Gateway Gateway `yaml:"gateway"`
	// The edge: persisted queries, the response cache, the partner endpoint, storefront limits.
	Persisted  Persisted  `yaml:"persisted"`
	Cache      Cache      `yaml:"cache"`
	Partner    Partner    `yaml:"partner"`
	Storefront Storefront `yaml:"storefront"`

	path  string
	src   []byte
	given map[string]bool
}

// Given reports whether the file or the environment set the dotted key.
func (f File) Given(key string) bool { return f.given[key] }

// Errorf is a refusal of the value at key, pointing at its line when the file holds it.
func (f File) Errorf(key, reason string) error {
	if !f.given[key] {
		return &Error{Key: key, Reason: reason + " (from " + EnvName(key) + ")"}
	}
	line := lineOf(f.src, key)
	if line == 0 {
		return &Error{Key: key, Reason: reason + " (from " + EnvName(key) + ")"}
	}
	return &Error{Path: f.path, Line: line, Key: key, Reason: reason}
}

// Data locates the embedded stores of `shopgraph serve`.
type Data struct {
	SearchIndex string `yaml:"search_index"`
	// SearchEngine is memory (in process; snapshotted to SearchIndex, rebuilt from the catalog
	// in the background after a crash) or bleve (on disk in SearchIndex).
	SearchEngine string `yaml:"search_engine"`
	// SearchSnapshotEvery is how often the memory engine writes its snapshot while serving
	// (besides on shutdown); 0 writes it on shutdown only.
	SearchSnapshotEvery Duration `yaml:"search_snapshot_every"`
	NATSStore           string   `yaml:"nats_store"`
	// KeyPurgeEvery is how often expired idempotency keys of ended checkouts are deleted, and
	// KeyPurgeBatch how many one statement deletes.
	KeyPurgeEvery Duration `yaml:"key_purge_every"`
	KeyPurgeBatch int      `yaml:"key_purge_batch"`
	// CartMutationWindow is how long a cart keeps a client mutation id (a repeat within it
	// returns the cart as it is), GuestCartIdle how long a guest cart may go unchanged before
	// it is deleted, and FailedCheckoutRetention how long a checkout that failed before
	// creating an order is kept.
	CartMutationWindow      Duration `yaml:"cart_mutation_window"`
	GuestCartIdle           Duration `yaml:"guest_cart_idle"`
	FailedCheckoutRetention Duration `yaml:"failed_checkout_retention"`
}

// Gateway tunes planning and execution.
type Gateway struct {
	// Supergraph is the supergraph SDL file of `shopgraph gateway` (serve composes its own).
	Supergraph string `yaml:"supergraph"`
	// SubgraphTimeout bounds one subgraph request.
	SubgraphTimeout Duration `yaml:"subgraph_timeout"`
	// RequestTimeout bounds a whole client request.
	RequestTimeout Duration `yaml:"request_timeout"`
	// Dedupe shares identical in-flight subgraph fetches and identical client queries.
	Dedupe bool `yaml:"dedupe"`
	// PlanCache is how many query plans stay in memory.
	PlanCache int `yaml:"plan_cache"`
	// MaxDepth and MaxAliases bound every operation of the storefront endpoint.
	MaxDepth   int `yaml:"max_depth"`
	MaxAliases int `yaml:"max_aliases"`
	// GraphiQL serves the GraphiQL IDE at /graphiql.
	GraphiQL bool `yaml:"graphiql"`
	// Telemetry serves /metrics and makes spans (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set).
	Telemetry bool `yaml:"telemetry"`
	// MetricsListen serves /metrics on this private address instead of the public listener.
	MetricsListen string `yaml:"metrics_listen"`
	// GCPercent and MemoryLimitMiB tune the process's garbage collector (GOGC and GOMEMLIMIT):
	// a higher percent spends memory to save the CPU of collecting, the limit caps that memory
	// (0: none). Left out, each command keeps its own default (see gcDefaults).
	GCPercent      int `yaml:"gc_percent"`
	MemoryLimitMiB int `yaml:"memory_limit_mib"`
}

// Duration is a time.Duration written as "30s", "5m".
type Duration time.Duration

// badDuration marks text that is not a duration; validation reports it with its line, which a
// decoding error could not carry.
const badDuration = Duration(math.MinInt64)

// UnmarshalText reads "30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		*d = badDuration
		return nil
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes "30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Defaults is the configuration without a file: the local setup of scripts/deps.sh.
func Defaults() File {
	return File{
		DatabaseURL: "postgres://postgres@127.0.0.1:54329/shopgraph?sslmode=disable",
		RedisURL:    "redis://127.0.0.1:63790/0",
		Listen:      "127.0.0.1:4000",
		Data: Data{SearchIndex: ".data/search", SearchEngine: "memory", SearchSnapshotEvery: Duration(5 * time.Minute), NATSStore: ".data/nats",
			KeyPurgeEvery: Duration(time.Hour), KeyPurgeBatch: 1000,
			CartMutationWindow: Duration(24 * time.Hour), GuestCartIdle: Duration(30 * 24 * time.Hour),
			FailedCheckoutRetention: Duration(30 * 24 * time.Hour)},
		Gateway: Gateway{
			SubgraphTimeout: Duration(30 * time.Second),
			RequestTimeout:  Duration(60 * time.Second),
			Dedupe:          true,
			PlanCache:       1000,
			MaxDepth:        15,
			MaxAliases:      30,
			GraphiQL:        true,
			Telemetry:       true,
		},
	}
}

// Load reads path over the defaults (no file when path is ""), then the environment, and
// validates the result.
func Load(path string) (File, error) {
	f := Defaults()
	f.path, f.given = path, map[string]bool{}
	var src []byte
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return File{}, fmt.Errorf("config: %w", err)
		}
		src = b
		if err := yaml.UnmarshalWithOptions(b, &f, yaml.DisallowUnknownField()); err != nil {
			return File{}, &Error{Path: path, Line: errorLine(err), Reason: yaml.FormatError(err, false, false)}
		}
		f.src = b
		markGiven(b, f.given)
	}
	if err := applyEnv(&f, os.LookupEnv, f.given); err != nil {
		return File{}, err
	}
	if err := f.validate(); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return File{}, &Error{Path: path, Line: lineOf(src, fe.path), Key: fe.path, Reason: fe.reason}
		}
		return File{}, err
	}
	return f, nil
}

// Error is a configuration that refuses to load.
type Error struct {
	Path   string // the file, "" when the value came from defaults or the environment
	Line   int    // 0 when unknown
	Key    string // the key, dotted, when known
	Reason string
}

func (e *Error) Error() string {
	where := "config"
	if e.Path != "" {
		where = e.Path
		if e.Line > 0 {
			where = fmt.Sprintf("%s:%d", e.Path, e.Line)
		}
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Key, e.Reason)
	}
	return fmt.Sprintf("%s: %s", where, e.Reason)
}
