// Package persisted resolves persisted operations before the gateway parses
// anything: automatic persisted queries (Apollo's APQ protocol: a client
// sends a sha256 hash, and the query text once if the gateway does not know
// it) and trusted documents (manifests of operations published ahead of time,
// asked for by documentId or hash). Each client has a mode that decides
// whether it may also send arbitrary query text.
package persisted

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configures persisted operations. The zero value serves APQ from an
// in-process cache only, with every client in allow-any mode.
type Options struct {
	// Redis, when set, stores APQ registrations so every gateway replica
	// sharing it knows a query registered on any of them. Without it,
	// registrations live in this process only.
	Redis redis.UniversalClient
	// KeyPrefix prefixes APQ keys in Redis (default "shopgraph:apq:").
	KeyPrefix string
	// TTL is how long an APQ registration lives in Redis after its last use
	// (default 7 days).
	TTL time.Duration
	// RedisTimeout bounds one Redis call; past it the request goes on as if
	// Redis were down (default 250ms).
	RedisTimeout time.Duration
	// MaxDocumentSize is the longest query text registered through APQ, in
	// bytes (default 64 KiB). A longer query still runs; it is not stored.
	MaxDocumentSize int
	// CacheSize is how many APQ documents the in-process LRU keeps in front
	// of Redis (default 2048).
	CacheSize int
	// DisableAPQ refuses APQ registration and lookups of hashes that are not
	// in a manifest, with PERSISTED_QUERY_NOT_SUPPORTED.
	DisableAPQ bool

	// ManifestDirs are folders of trusted-document manifests (*.json, either
	// the apollo-persisted-query-manifest format or a {hash: document} map).
	// They are watched: a changed, added or removed file takes effect at once.
	ManifestDirs []string
	// ManifestURLs are manifests fetched over HTTP and polled every
	// PollInterval with If-None-Match / If-Modified-Since.
	ManifestURLs []string
	// PollInterval is how often ManifestURLs are checked (default 30s).
	PollInterval time.Duration
	// HTTPClient fetches ManifestURLs (default: a client with a 10s timeout).
	HTTPClient *http.Client

	// Clients maps a client name (the apollographql-client-name or
	// graphql-client-name header) to its mode.
	Clients map[string]Mode
	// DefaultMode applies to clients not named in Clients, and to requests
	// that name no client (default allow-any).
	DefaultMode Mode

	// OnReload, when set, is called after every manifest load attempt from a
	// watched source, with the source (file path or URL) and the reason it
	// was refused, if it was.
	OnReload func(source string, err error)
	Logger   *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.KeyPrefix == "" {
		o.KeyPrefix = "shopgraph:apq:"
	}
	if o.TTL <= 0 {
		o.TTL = 7 * 24 * time.Hour
	}
	if o.RedisTimeout <= 0 {
		o.RedisTimeout = 250 * time.Millisecond
	}
	if o.MaxDocumentSize <= 0 {
		o.MaxDocumentSize = 64 << 10
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 2048
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.DefaultMode == "" {
		o.DefaultMode = AllowAny
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Documents resolves persisted operations: the APQ store and the trusted
// documents of every manifest source.
type Documents struct {
	opts    Options
	apq     *apqStore
	log     *slog.Logger
	sources sync.Mutex
	bySrc   map[string]map[string]Document // guarded by sources
	trusted atomic.Pointer[map[string]Document]
	stop    context.CancelFunc
	done    sync.WaitGroup
	// nonPersisted counts query texts let through in persisted-preferred mode.
	nonPersisted atomic.Int64
}

// New loads every manifest and starts watching them. A manifest that does not
// load is an error here; later, a bad reload keeps the previous good version.
// Close stops the watchers.
func New(opts Options) (*Documents, error) {
	opts = opts.withDefaults()
	for name, m := range opts.Clients {
		if err := m.valid(); err != nil {
			return nil, fmt.Errorf("persisted: client %q: %w", name, err)
		}
	}
	if err := opts.DefaultMode.valid(); err != nil {
		return nil, fmt.Errorf("persisted: default mode: %w", err)
	}
	d := &Documents{opts: opts, log: opts.Logger, bySrc: map[string]map[string]Document{}}
	d.apq = newAPQStore(opts)
	d.publish()
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	for _, dir := range opts.ManifestDirs {
		w, err := d.watchDir(dir)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.done.Add(1)
		go func() { defer d.done.Done(); d.runDir(ctx, w, dir) }()
	}
	for _, u := range opts.ManifestURLs {
		p := &urlPoller{url: u, client: opts.HTTPClient}
		if _, err := d.poll(ctx, p); err != nil {
			d.Close()
			return nil, err
		}
		d.done.Add(1)
		go func() { defer d.done.Done(); d.runURL(ctx, p) }()
	}
	return d, nil
}

// Close stops watching manifests.
func (d *Documents) Close() error {
	d.stop()
	d.done.Wait()
	return nil
}

// NonPersisted is how many query texts persisted-preferred clients sent.
func (d *Documents) NonPersisted() int64 { return d.nonPersisted.Load() }

// setSource replaces the trusted documents of one source (nil removes it).
func (d *Documents) setSource(src string, docs map[string]Document) {
	d.sources.Lock()
	defer d.sources.Unlock()
	if docs == nil {
		delete(d.bySrc, src)
	} else {
		d.bySrc[src] = docs
	}
	d.publishLocked()
}

func (d *Documents) publish() {
	d.sources.Lock()
	defer d.sources.Unlock()
	d.publishLocked()
}

func (d *Documents) publishLocked() {
	all := map[string]Document{}
	for _, docs := range d.bySrc {
		for id, doc := range docs {
			all[id] = doc
		}
	}
	d.trusted.Store(&all)
}

func (d *Documents) trustedDoc(hash string) (Document, bool) {
	doc, ok := (*d.trusted.Load())[hash]
	return doc, ok
}
