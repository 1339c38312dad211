package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	inventoryredis "github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/sources"
)

// reindexPath rebuilds the search index inside a running serve, which holds the embedded index
// open (no other process can), streaming progress as one JSON object a line.
const reindexPath = "/admin/search/reindex"

// reindexEvent is one line of the reindex stream: progress, then the result or an error.
type reindexEvent struct {
	Done     int    `json:"done"`
	Total    int    `json:"total,omitempty"` // products in the catalog when the rebuild started
	Finished bool   `json:"finished,omitempty"`
	Error    string `json:"error,omitempty"`
}

// runReindex is `shopgraph reindex`: ask the running server to rebuild its index, or build the
// index folder directly when no server listens.
func runReindex(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	cfg.register(fs, false)
	server := fs.String("server", "", "the running serve to ask (loopback only; default: http:// and the configured listen address); when none answers, the index folder is rebuilt directly")
	registerSearch(fs, &cfg)
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if *server == "" {
		*server = "http://" + cfg.file.Listen
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	progress := func(done, total int) {
		if bar == nil {
			bar = newBar(max(total, done), "reindex")
		}
		if total < done { // products added since the count
			bar.ChangeMax(done)
		}
		_ = bar.Set(done)
	}
	n, err := reindexRemote(ctx, *server, progress)
	where := *server
	if errors.Is(err, errNoServer) {
		slog.Info("no server answers; rebuilding the index folder directly", "server", *server, "dir", cfg.searchDir)
		where = cfg.searchDir
		n, err = reindexLocal(ctx, cfg, progress)
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	slog.Info("search index rebuilt", "products", n, "at", where, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

var errNoServer = errors.New("no server answers")

// reindexRemote asks the server at base to reindex and follows its progress.
func reindexRemote(ctx context.Context, base string, progress func(done, total int)) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+reindexPath, nil)
	if err != nil {
		return 0, fmt.Errorf("--server %s: %w", base, err)
	}
	if ip := net.ParseIP(req.URL.Hostname()); req.URL.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0, fmt.Errorf("--server %s: only loopback addresses are allowed", base)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return 0, fmt.Errorf("%w at %s: %w", errNoServer, base, err)
		}
		return 0, fmt.Errorf("reindex through %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0, fmt.Errorf("the server at %s has no %s: restart it with this version", base, reindexPath)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ev reindexEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return 0, fmt.Errorf("reindex through %s: %s: %.200s", base, resp.Status, sc.Text())
		}
		switch {
		case ev.Error != "":
			return ev.Done, fmt.Errorf("reindex through %s: %s", base, ev.Error)
		case ev.Finished:
			return ev.Done, nil
		}
		progress(ev.Done, ev.Total)
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reindex through %s: %w", base, err)
	}
	return 0, fmt.Errorf("reindex through %s: the stream ended before the result", base)
}

// reindexLocal rebuilds the index folder of a stopped server.
func reindexLocal(ctx context.Context, cfg config, progress func(done, total int)) (int, error) {
	pool, err := openPool(ctx, cfg.databaseURL)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	engine, err := openSearchEngine(cfg.searchEngine, cfg.searchDir)
	if err != nil {
		return 0, err
	}
	defer engine.Close()
	// Stock is read as the server reads it: a hot SKU's Redis counters may hold sales that the
	// stopped server did not flush to Postgres. Without Redis, Postgres' figures are used.
	rdb, err := openRedis(cfg.redisURL)
	if err != nil {
		return 0, err
	}
	defer rdb.Close()
	flash, err := inventoryredis.New(rdb)
	if err != nil {
		return 0, err
	}
	defer flash.Close()
	stock := inventory.NewReservations(inventorypg.NewStore(pool), inventory.WithFlashSale(flash))
	ix := search.NewIndexer(engine, sources.NewCatalog(catalogpg.NewStore(pool)), sources.NewStock(stock))
	total, err := ix.Expected(ctx)
	if err != nil {
		return 0, err
	}
	return ix.Reindex(ctx, func(done int) { progress(done, total) })
}

// reindexHandler serves POST /admin/search/reindex to this machine only: it runs the rebuild
// (the live index keeps serving, then is swapped) and streams reindexEvents. A client that
// goes away cancels the rebuild; the live index is untouched.
func reindexHandler(ix *search.Indexer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromThisMachine(r) {
			http.Error(w, `{"error":"the reindex endpoint answers loopback callers only"}`, http.StatusForbidden)
			return
		}
		total, err := ix.Expected(r.Context())
		if err != nil {
			slog.Error("search reindex: count the catalog", "err", err)
			http.Error(w, `{"error":"count the catalog failed; see the server log"}`, http.StatusInternalServerError)
			return
		}
		rc := http.NewResponseController(w)
		// A rebuild outlasts the server's write timeout (a Bleve build is merged for minutes
		// after its last progress line): no deadline for this loopback caller, who can hang up.
		_ = rc.SetWriteDeadline(time.Time{})
		enc := json.NewEncoder(w)
		started := false
		send := func(ev reindexEvent, status int) {
			if !started {
				w.Header().Set("Content-Type", "application/x-ndjson")
				w.WriteHeader(status)
				started = true
			}
			_ = enc.Encode(ev)
			_ = rc.Flush()
		}
		// The status goes with the first line: a refusal before any progress gets its own code.
		slog.Info("search reindex started", "expected", total)
		n, err := ix.Reindex(r.Context(), func(done int) { send(reindexEvent{Done: done, Total: total}, http.StatusOK) })
		switch {
		case errors.Is(err, search.ErrReindexRunning):
			send(reindexEvent{Error: err.Error()}, http.StatusConflict)
		case err != nil:
			slog.Error("search reindex failed", "err", err, "indexed", n)
			send(reindexEvent{Done: n, Error: "reindex failed; see the server log"}, http.StatusInternalServerError)
		default:
			slog.Info("search reindex done", "products", n)
			send(reindexEvent{Done: n, Total: total, Finished: true}, http.StatusOK)
		}
	})
}

// fromThisMachine: a loopback peer, and no proxy header (a local proxy would make every
// outside caller look like loopback).
func fromThisMachine(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
