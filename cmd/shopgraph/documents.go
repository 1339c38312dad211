package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/persisted"
)

// runDocuments builds a trusted-document manifest from a folder of .graphql files.
func runDocuments(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("documents", flag.ContinueOnError)
	out := fs.String("out", "", "write the manifest to this file (default: standard output)")
	client := fs.String("client", "", "name of the app the documents belong to, recorded in the manifest")
	version := fs.String("version", "", "version of that app, recorded in the manifest (needs --client)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: shopgraph documents [--out manifest.json] [--client NAME --version V] DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("documents: want one folder of .graphql files")
	}
	if *version != "" && *client == "" {
		return fmt.Errorf("documents: --version needs --client")
	}
	files, err := readOperations(fs.Arg(0))
	if err != nil {
		return err
	}
	m, err := persisted.BuildManifest(files)
	if err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	if *client != "" {
		m.Client = &persisted.ManifestClient{Name: *client, Version: *version}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	if *out == "" {
		_, err := os.Stdout.Write(buf.Bytes())
		return err
	}
	// Gateways watching the folder must never read half a manifest.
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}

// readOperations reads every .graphql and .gql file under dir.
func readOperations(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".graphql") || strings.HasSuffix(path, ".gql")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[path] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("documents: no .graphql files in %s", dir)
	}
	return files, nil
}

// registerPersisted adds the flags of persisted queries and trusted documents.
func registerPersisted(fs *flag.FlagSet, p *persisted.Options) {
	fs.StringVar(&p.KeyPrefix, "apq-prefix", "shopgraph:apq:", "Redis key prefix of APQ registrations")
	fs.DurationVar(&p.TTL, "apq-ttl", 0, "how long an unused APQ registration stays in Redis (default 7 days)")
	fs.BoolVar(&p.DisableAPQ, "no-apq", false, "refuse APQ registration; only trusted documents are served by hash")
	setRedis := func(u string) error {
		opt, err := redis.ParseURL(u)
		if err != nil {
			return fmt.Errorf("apq redis url: %w", err)
		}
		p.Redis = redis.NewClient(opt)
		return nil
	}
	fs.Func("apq-redis-url", "Redis shared by gateway replicas for APQ (serve uses --redis-url)", setRedis)
	addSources := func(s string) error {
		for _, src := range strings.Split(s, ",") {
			switch src = strings.TrimSpace(src); {
			case src == "":
			case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
				p.ManifestURLs = append(p.ManifestURLs, src)
			default:
				p.ManifestDirs = append(p.ManifestDirs, src)
			}
		}
		return nil
	}
	fs.Func("manifests", "comma-separated folders or http(s) URLs of trusted-document manifests", addSources)
	setModes := func(s string) error {
		modes, err := persisted.ParseClientModes(s)
		p.Clients = modes
		return err
	}
	fs.Func("client-modes", "per-client modes: name=allow-any|persisted-preferred|persisted-only,...", setModes)
	fs.Func("default-mode", "mode of clients not in --client-modes (default allow-any)", func(s string) error {
		m, err := persisted.ParseClientModes("default=" + s)
		p.DefaultMode = m["default"]
		return err
	})
}
