// Command gen generates the gqlgen code of every subgraph from the shared gqlgen.yml.
// It runs from the repository root or from graph/ (as go generate does).
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	if err := chdirRoot(); err != nil {
		log.Fatal(err)
	}
	template, err := os.ReadFile("gqlgen.yml")
	if err != nil {
		log.Fatal(err)
	}
	domains, err := domainsFrom("schema")
	if err != nil {
		log.Fatal(err)
	}
	if len(os.Args) > 1 {
		domains = os.Args[1:]
	}
	for _, domain := range domains {
		if err := generate(domain, template); err != nil {
			log.Fatalf("generate %s: %v", domain, err)
		}
		log.Printf("generated graph/%s", domain)
	}
}

// chdirRoot moves to the directory that holds go.mod and gqlgen.yml.
func chdirRoot() error {
	for dir := "."; ; dir = filepath.Join(dir, "..") {
		if _, err := os.Stat(filepath.Join(dir, "gqlgen.yml")); err == nil {
			return os.Chdir(dir)
		}
		abs, _ := filepath.Abs(dir)
		if abs == "/" {
			return fmt.Errorf("gqlgen.yml not found")
		}
	}
}

// domainsFrom lists schema/<domain>.graphqls, leaving out the composed supergraph.
func domainsFrom(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.graphqls"))
	if err != nil {
		return nil, err
	}
	var domains []string
	for _, f := range files {
		domains = append(domains, strings.TrimSuffix(filepath.Base(f), ".graphqls"))
	}
	sort.Strings(domains)
	return domains, nil
}

func generate(domain string, template []byte) error {
	text := bytes.ReplaceAll(template, []byte("{domain}"), []byte(domain))
	cfg, err := config.ReadConfig(bytes.NewReader(text))
	if err != nil {
		return err
	}
	extra := filepath.Join("schema", domain+".models.yml")
	if b, err := os.ReadFile(extra); err == nil {
		more, err := config.ReadConfig(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", extra, err)
		}
		for name, entry := range more.Models {
			cfg.Models[name] = entry
		}
	}
	return api.Generate(cfg)
}
