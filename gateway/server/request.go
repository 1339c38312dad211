package server

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/persisted"
)

type wireRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
	// DocumentID names a persisted document (GraphQL over HTTP).
	DocumentID string `json:"documentId"`
	// digest identifies OperationName, Query and Variables as decoded (requestDigest), nil
	// when not worked out yet or when the query was since resolved to other text.
	digest *[sha256.Size]byte
	// body is the remembered decoding the request came from, under the same conditions.
	body *decodedBody
}

// clientRequest is a request ready to run: its query text resolved from
// whatever the client sent, and who sent it.
type clientRequest struct {
	wireRequest
	Client persisted.Client
	// Trusted is set when the query is a trusted document.
	Trusted bool
}

// requestError refuses a request before it runs.
type requestError struct {
	status        int
	code, message string
	allow         string // the Allow header, for 405
}

func (e *requestError) write(w http.ResponseWriter, media string) {
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	// Only errors, no data entry: the request never ran.
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(errorBody(e.code, e.message))
}

// readRequest turns an HTTP request into the operation to run: it decodes
// POST and GET, resolves APQ hashes and trusted documents, names the client,
// and refuses what may not run (no query, a mutation over GET).
func (g *Gateway) readRequest(r *http.Request, media string) (clientRequest, *requestError) {
	req := clientRequest{Client: persisted.ClientOf(r.Header)}
	if rerr := g.decode(r, &req.wireRequest); rerr != nil {
		return req, rerr
	}
	res, perr := g.persisted.Resolve(r.Context(), persisted.Request{
		Query: req.Query, DocumentID: req.DocumentID, Extensions: req.Extensions, Client: req.Client,
	})
	if perr != nil {
		return req, &requestError{status: perr.HTTPStatus(media == mediaGraphQLResponse), code: perr.Code, message: perr.Message}
	}
	if res.Query != req.Query {
		req.digest, req.body = nil, nil
	}
	req.Query, req.Trusted = res.Query, res.Trusted
	if strings.TrimSpace(req.Query) == "" {
		return req, &requestError{status: http.StatusBadRequest, code: "BAD_REQUEST", message: "missing query"}
	}
	if r.Method == http.MethodGet && g.kind(req.wireRequest) == ast.Mutation {
		return req, &requestError{status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED", message: "mutations must use POST", allow: "POST"}
	}
	return req, nil
}

// bodyBuffers hold request bodies while they are decoded.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// decode reads GraphQL over HTTP: a JSON or application/graphql POST body, or
// GET parameters (variables and extensions as JSON).
func (g *Gateway) decode(r *http.Request, req *wireRequest) *requestError {
	switch r.Method {
	case http.MethodPost:
		buf := bodyBuffers.Get().(*[]byte)
		body, err := readBody(r.Body, (*buf)[:0])
		defer func() {
			if cap(body) <= maxCachedBody {
				*buf = body
				bodyBuffers.Put(buf)
			}
		}()
		if err != nil {
			return &requestError{status: http.StatusBadRequest, code: "BAD_REQUEST", message: "could not read request body"}
		}
		if mediaType(r.Header.Get("Content-Type")) == "application/graphql" {
			req.Query = string(body)
		} else if err := g.bodies.decode(body, req); err != nil {
			return &requestError{status: http.StatusBadRequest, code: "BAD_REQUEST", message: "request body is not valid JSON"}
		}
	case http.MethodGet:
		q := r.URL.Query()
		req.Query = q.Get("query")
		req.OperationName = q.Get("operationName")
		req.DocumentID = q.Get("documentId")
		for _, p := range []struct {
			name string
			into *map[string]any
		}{{"variables", &req.Variables}, {"extensions", &req.Extensions}} {
			if v := q.Get(p.name); v != "" {
				if err := json.Unmarshal([]byte(v), p.into); err != nil {
					return &requestError{status: http.StatusBadRequest, code: "BAD_REQUEST", message: p.name + " are not valid JSON"}
				}
			}
		}
	default:
		return &requestError{status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED", message: "use GET or POST", allow: "GET, POST"}
	}
	return nil
}

// kind is the operation type of a request, read from the parsed-document
// cache, so a repeated document is not parsed again; "" when it does not parse.
// A request decoded from a remembered body keeps the answer with the body.
func (g *Gateway) kind(req wireRequest) ast.Operation {
	if req.body != nil {
		if k := req.body.kind.Load(); k != nil {
			return *k
		}
	}
	doc, oerr := g.parse(operation.Request{Query: req.Query, OperationName: req.OperationName})
	if oerr != nil {
		return ""
	}
	if req.body != nil {
		k := doc.Op.Operation
		req.body.kind.Store(&k)
	}
	return doc.Op.Operation
}
