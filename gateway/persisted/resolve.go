package persisted

import (
	"context"
	"net/http"
)

// Stable extensions.code values of the errors Resolve returns.
const (
	CodeNotFound     = "PERSISTED_QUERY_NOT_FOUND"
	CodeNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	CodeHashMismatch = "PERSISTED_QUERY_HASH_MISMATCH"
	CodeOnly         = "PERSISTED_QUERY_ONLY"
	CodeBadRequest   = "BAD_REQUEST"
)

// Request is what a client sent to name its operation: query text, a
// documentId, an APQ hash in extensions.persistedQuery, or a hash and text.
type Request struct {
	Query string
	// DocumentID is GraphQL over HTTP's documentId: "sha256:<hex>" or the bare hex.
	DocumentID string
	Extensions map[string]any
	Client     Client
}

// Resolved is the query text to run.
type Resolved struct {
	Query string
	// Trusted is set when the query is a trusted document from a manifest.
	Trusted bool
}

// Error refuses a request; Code is stable, Message is Apollo's where Apollo
// has one (clients match on both).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus is the status of the refusal. Not-found and not-supported are
// 200, as Apollo sends them, so that clients read the body and retry with
// the query text; a persisted-only refusal is 403 where the client reads
// application/graphql-response+json.
func (e *Error) HTTPStatus(graphQLResponse bool) int {
	switch e.Code {
	case CodeNotFound, CodeNotSupported:
		return http.StatusOK
	case CodeOnly:
		if graphQLResponse {
			return http.StatusForbidden
		}
		return http.StatusOK
	}
	return http.StatusBadRequest
}

var (
	errNotFound     = &Error{Code: CodeNotFound, Message: "PersistedQueryNotFound"}
	errNotSupported = &Error{Code: CodeNotSupported, Message: "PersistedQueryNotSupported"}
	errHashMismatch = &Error{Code: CodeHashMismatch, Message: "provided sha256Hash does not match query"}
	errOnly         = &Error{Code: CodeOnly, Message: "this client may only send persisted documents"}
)

// Resolve returns the query text a request stands for, registering APQ
// queries on the way. Plain query text from an allow-any client passes
// through without hashing.
func (d *Documents) Resolve(ctx context.Context, req Request) (Resolved, *Error) {
	hash, byHash, err := persistedHash(req.Extensions)
	if err != nil {
		return Resolved{}, err
	}
	byDocument := req.DocumentID != ""
	if byDocument {
		id, ok := normalizeHash(req.DocumentID)
		if !ok {
			return Resolved{}, &Error{Code: CodeBadRequest, Message: "documentId must be sha256:<64 hex digits>"}
		}
		if byHash && id != hash {
			return Resolved{}, &Error{Code: CodeBadRequest, Message: "documentId and extensions.persistedQuery.sha256Hash differ"}
		}
		hash, byHash = id, true
	}
	mode := d.ModeOf(req.Client)
	if !byHash {
		return d.text(req, mode)
	}
	if req.Query != "" && Hash(req.Query) != hash {
		return Resolved{}, errHashMismatch
	}
	if doc, ok := d.trustedDoc(hash); ok {
		return Resolved{Query: doc.Body, Trusted: true}, nil
	}
	switch {
	case mode == PersistedOnly && req.Query != "":
		return Resolved{}, errOnly
	case mode == PersistedOnly || byDocument:
		return Resolved{}, errNotFound
	case d.opts.DisableAPQ:
		return Resolved{}, errNotSupported
	}
	if req.Query != "" {
		d.apq.put(ctx, hash, req.Query)
		d.untrusted(req.Client, mode)
		return Resolved{Query: req.Query}, nil
	}
	q, ok := d.apq.get(ctx, hash)
	if !ok {
		return Resolved{}, errNotFound
	}
	d.untrusted(req.Client, mode)
	return Resolved{Query: q}, nil
}

// text handles query text sent without a hash.
func (d *Documents) text(req Request, mode Mode) (Resolved, *Error) {
	if mode == AllowAny || req.Query == "" {
		return Resolved{Query: req.Query}, nil
	}
	if _, ok := d.trustedDoc(Hash(req.Query)); ok {
		return Resolved{Query: req.Query, Trusted: true}, nil
	}
	if mode == PersistedOnly {
		return Resolved{}, errOnly
	}
	d.untrusted(req.Client, mode)
	return Resolved{Query: req.Query}, nil
}

// untrusted counts an operation that is not a trusted document from a
// persisted-preferred client, the ones to move into a manifest.
func (d *Documents) untrusted(c Client, mode Mode) {
	if mode != PersistedPreferred {
		return
	}
	d.nonPersisted.Add(1)
	d.log.Debug("operation is not a trusted document", "client", c.Name, "client_version", c.Version)
}

// persistedHash reads extensions.persistedQuery.
func persistedHash(ext map[string]any) (string, bool, *Error) {
	raw, ok := ext["persistedQuery"]
	if !ok || raw == nil {
		return "", false, nil
	}
	pq, ok := raw.(map[string]any)
	if !ok {
		return "", false, &Error{Code: CodeBadRequest, Message: "extensions.persistedQuery must be an object"}
	}
	if v, _ := pq["version"].(float64); v != 1 {
		return "", false, errNotSupported
	}
	s, _ := pq["sha256Hash"].(string)
	hash, ok := normalizeHash(s)
	if !ok || len(s) != len(hash) {
		return "", false, &Error{Code: CodeBadRequest, Message: "extensions.persistedQuery.sha256Hash must be 64 hex digits"}
	}
	return hash, true, nil
}
