package persisted

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// ManifestFormat names Apollo's persisted query manifest format.
const ManifestFormat = "apollo-persisted-query-manifest"

// Manifest is a trusted-document manifest in Apollo's format. Client is
// ShopGraph's own addition: which app (and version) the documents come from,
// for the log; it does not restrict who may use them.
type Manifest struct {
	Format     string              `json:"format"`
	Version    int                 `json:"version"`
	Client     *ManifestClient     `json:"client,omitempty"`
	Operations []ManifestOperation `json:"operations"`
}

// ManifestClient names the app a manifest was generated for.
type ManifestClient struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// ManifestOperation is one operation of a manifest; ID is the sha256 of Body
// in hex.
type ManifestOperation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Body string `json:"body"`
}

// Document is a trusted document.
type Document struct {
	Name string
	Type string
	Body string
}

// Hash is the sha256 of a document in lowercase hex, as APQ and manifests use.
func Hash(document string) string {
	sum := sha256.Sum256([]byte(document))
	return hex.EncodeToString(sum[:])
}

// ParseManifest reads a manifest in Apollo's format or a {hash: document}
// map. Every id must be the sha256 of its document: a manifest with one that
// is not is refused whole.
func ParseManifest(b []byte) (map[string]Document, *ManifestClient, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, nil, fmt.Errorf("manifest is not a JSON object: %w", err)
	}
	if _, ok := top["format"]; ok {
		return parseApollo(b)
	}
	docs := make(map[string]Document, len(top))
	for key, raw := range top {
		var body string
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, nil, fmt.Errorf("manifest entry %q: want a document string (or an object with \"format\": %q)", key, ManifestFormat)
		}
		id, err := checkID(key, body)
		if err != nil {
			return nil, nil, err
		}
		docs[id] = Document{Body: body}
	}
	return docs, nil, nil
}

func parseApollo(b []byte) (map[string]Document, *ManifestClient, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Format != ManifestFormat {
		return nil, nil, fmt.Errorf("manifest format %q is not %q", m.Format, ManifestFormat)
	}
	if m.Version != 1 {
		return nil, nil, fmt.Errorf("manifest version %d is not supported (want 1)", m.Version)
	}
	docs := make(map[string]Document, len(m.Operations))
	for i, op := range m.Operations {
		if strings.TrimSpace(op.Body) == "" {
			return nil, nil, fmt.Errorf("manifest operation %d (%s): empty body", i, op.Name)
		}
		id, err := checkID(op.ID, op.Body)
		if err != nil {
			return nil, nil, fmt.Errorf("manifest operation %d (%s): %w", i, op.Name, err)
		}
		docs[id] = Document{Name: op.Name, Type: op.Type, Body: op.Body}
	}
	return docs, m.Client, nil
}

func checkID(id, body string) (string, error) {
	norm, ok := normalizeHash(id)
	if !ok {
		return "", fmt.Errorf("id %q is not a sha256 hash (64 hex digits, optionally prefixed sha256:)", id)
	}
	if got := Hash(body); got != norm {
		return "", fmt.Errorf("id %s is not the sha256 of its body (which hashes to %s)", norm, got)
	}
	return norm, nil
}

// normalizeHash accepts a sha256 in hex, with an optional "sha256:" prefix
// (GraphQL over HTTP's documentId), and returns it in lowercase.
func normalizeHash(s string) (string, bool) {
	s = strings.TrimPrefix(s, "sha256:")
	if len(s) != sha256.Size*2 {
		return "", false
	}
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return s, true
}
