package persisted

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// maxManifest bounds a manifest read from a file or URL.
const maxManifest = 64 << 20

func isManifest(path string) bool {
	base := filepath.Base(path)
	return strings.HasSuffix(base, ".json") && !strings.HasPrefix(base, ".")
}

// watchDir starts watching dir, then loads the manifests in it, so that no
// change between the two is missed.
func (d *Documents) watchDir(dir string) (*fsnotify.Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch manifests: %w", err)
	}
	if err := w.Add(dir); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("watch manifests in %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("read manifests in %s: %w", dir, err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.IsDir() || !isManifest(path) {
			continue
		}
		if err := d.loadFile(path); err != nil {
			_ = w.Close()
			return nil, err
		}
	}
	return w, nil
}

func (d *Documents) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read manifest %s: %w", path, err)
	}
	docs, client, err := ParseManifest(b)
	if err != nil {
		return fmt.Errorf("manifest %s refused: %w", path, err)
	}
	d.setSource(path, docs)
	d.logLoaded(path, docs, client)
	return nil
}

func (d *Documents) logLoaded(src string, docs map[string]Document, client *ManifestClient) {
	attrs := []any{"source", src, "operations", len(docs)}
	if client != nil {
		attrs = append(attrs, "client", client.Name, "client_version", client.Version)
	}
	d.log.Info("trusted documents loaded", attrs...)
}

// runDir applies changes to the manifests of dir until ctx ends. A manifest
// that no longer loads keeps its previous good version; a removed one is
// dropped.
func (d *Documents) runDir(ctx context.Context, w *fsnotify.Watcher, dir string) {
	defer func() { _ = w.Close() }()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			d.log.Warn("watching manifests", "dir", dir, "err", err)
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if !isManifest(ev.Name) {
				continue
			}
			switch {
			case ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename):
				d.drop(ev.Name)
			case ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write):
				err := d.loadFile(ev.Name)
				if errors.Is(err, fs.ErrNotExist) {
					d.drop(ev.Name)
					continue
				}
				if err != nil {
					d.log.Warn("manifest reload refused; the previous version stays in use", "err", err)
				}
				d.reloaded(ev.Name, err)
			}
		}
	}
}

func (d *Documents) drop(path string) {
	d.setSource(path, nil)
	d.log.Info("trusted documents removed", "source", path)
	d.reloaded(path, nil)
}

func (d *Documents) reloaded(src string, err error) {
	if d.opts.OnReload != nil {
		d.opts.OnReload(src, err)
	}
}

// urlPoller remembers the validators of the last manifest fetched from url.
type urlPoller struct {
	url          string
	client       *http.Client
	etag         string
	lastModified string
}

// poll fetches the manifest if it changed. A refused manifest keeps its
// validators too, so it is reported once, not at every poll.
func (d *Documents) poll(ctx context.Context, p *urlPoller) (changed bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return false, fmt.Errorf("manifest %s: %w", p.url, err)
	}
	if p.etag != "" {
		req.Header.Set("If-None-Match", p.etag)
	}
	if p.lastModified != "" {
		req.Header.Set("If-Modified-Since", p.lastModified)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("fetch manifest %s: %w", p.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("fetch manifest %s: HTTP %d", p.url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest))
	if err != nil {
		return false, fmt.Errorf("fetch manifest %s: %w", p.url, err)
	}
	p.etag, p.lastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	docs, client, err := ParseManifest(b)
	if err != nil {
		return true, fmt.Errorf("manifest %s refused: %w", p.url, err)
	}
	d.setSource(p.url, docs)
	d.logLoaded(p.url, docs, client)
	return true, nil
}

func (d *Documents) runURL(ctx context.Context, p *urlPoller) {
	t := time.NewTicker(d.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := d.poll(ctx, p)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.log.Warn("manifest reload refused; the previous version stays in use", "err", err)
		}
		if changed || err != nil {
			d.reloaded(p.url, err)
		}
	}
}
