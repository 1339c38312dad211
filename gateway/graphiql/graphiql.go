// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, from assets built into the
// binary (assets/, refreshed from npm by `make graphiql`), so it works with no internet.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed assets/*.js assets/*.css boot.js page.html
var files embed.FS

// Options configure the IDE.
type Options struct {
	// Disabled serves no IDE (its routes answer 404).
	Disabled bool
	// Endpoint is the GraphQL URL the IDE queries, relative to the page (default "/graphql").
	Endpoint string
	// Path is where the page is served; its assets are under Path+"/assets/" (default "/graphiql").
	Path string
	// Title of the page (default "ShopGraph").
	Title string
}

func (o Options) withDefaults() Options {
	if o.Endpoint == "" {
		o.Endpoint = "/graphql"
	}
	if o.Path == "" {
		o.Path = "/graphiql"
	}
	o.Path = strings.TrimSuffix(o.Path, "/")
	if o.Title == "" {
		o.Title = "ShopGraph"
	}
	return o
}

// IDE serves the page and its assets.
type IDE struct {
	opts   Options
	page   []byte
	assets map[string]*asset // by name under assets/
}

type asset struct {
	ctype string
	etag  string
	raw   []byte
	once  sync.Once
	gz    []byte // compressed on first request
}

var pageTemplate = template.Must(template.ParseFS(files, "page.html"))

// New returns the IDE, or nil when opts.Disabled.
func New(opts Options) *IDE {
	if opts.Disabled {
		return nil
	}
	opts = opts.withDefaults()
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, map[string]string{
		"Title": opts.Title, "Endpoint": opts.Endpoint, "Assets": opts.Path + "/assets",
	}); err != nil {
		panic("graphiql page: " + err.Error()) // the template and its data are fixed
	}
	ide := &IDE{opts: opts, page: page.Bytes(), assets: map[string]*asset{}}
	add := func(name, file string) {
		b, err := files.ReadFile(file)
		if err != nil {
			panic("graphiql asset: " + err.Error()) // embedded at build time
		}
		sum := sha256.Sum256(b)
		ide.assets[name] = &asset{ctype: mime.TypeByExtension(path.Ext(name)), etag: `"` + hex.EncodeToString(sum[:8]) + `"`, raw: b}
	}
	entries, _ := files.ReadDir("assets")
	for _, e := range entries {
		add(e.Name(), "assets/"+e.Name())
	}
	add("boot.js", "boot.js")
	return ide
}

// Path is where the page is served.
func (ide *IDE) Path() string { return ide.opts.Path }

// csp allows only this origin's scripts and styles; GraphiQL sets inline styles and embeds
// its fonts and icons as data: URLs.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src *; frame-ancestors 'none'; base-uri 'none'"

// ServePage writes the IDE's HTML page.
func (ide *IDE) ServePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(ide.page)
}

// ServeHTTP serves the page at Path and the assets under Path/assets/.
func (ide *IDE) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	if p == ide.opts.Path {
		ide.ServePage(w, r)
		return
	}
	a := ide.assets[strings.TrimPrefix(p, ide.opts.Path+"/assets/")]
	if a == nil || !strings.HasPrefix(p, ide.opts.Path+"/assets/") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.raw
	if acceptsGzip(r) {
		a.once.Do(func() { a.gz = compress(a.raw) })
		body = a.gz
		h.Set("Content-Encoding", "gzip")
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		if enc, _, _ := strings.Cut(strings.TrimSpace(part), ";"); enc == "gzip" {
			return true
		}
	}
	return false
}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// WantsPage reports whether r is a browser opening a GraphQL URL: a GET that accepts HTML
// and carries no parameters (no query, no persisted query hash), which should get the IDE rather than a GraphQL error.
func WantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.RawQuery != "" {
		return false
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, _ := strings.Cut(strings.TrimSpace(part), ";"); mt == "text/html" {
			return true
		}
	}
	return false
}
