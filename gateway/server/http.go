package server

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/transport"
)

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	maxBody              = 8 << 20
)

type wireRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// ServeHTTP implements GraphQL over HTTP.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	media := responseMedia(r.Header.Get("Accept"))
	defer func() {
		if v := recover(); v != nil {
			g.log.Error("panic serving request", "panic", v)
			writeErrors(w, media, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "internal server error")
		}
	}()
	var req wireRequest
	switch r.Method {
	case http.MethodPost:
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			writeErrors(w, media, http.StatusBadRequest, "BAD_REQUEST", "could not read request body")
			return
		}
		if ct == "application/graphql" {
			req.Query = string(body)
		} else if err := json.Unmarshal(body, &req); err != nil {
			writeErrors(w, media, http.StatusBadRequest, "BAD_REQUEST", "request body is not valid JSON")
			return
		}
	case http.MethodGet:
		q := r.URL.Query()
		req.Query = q.Get("query")
		req.OperationName = q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			if err := json.Unmarshal([]byte(v), &req.Variables); err != nil {
				writeErrors(w, media, http.StatusBadRequest, "BAD_REQUEST", "variables are not valid JSON")
				return
			}
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		writeErrors(w, media, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET or POST")
		return
	}
	if strings.TrimSpace(req.Query) == "" {
		writeErrors(w, media, http.StatusBadRequest, "BAD_REQUEST", "missing query")
		return
	}
	if r.Method == http.MethodGet && operation.Kind(req.Query, req.OperationName) == ast.Mutation {
		w.Header().Set("Allow", "POST")
		writeErrors(w, media, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "mutations must use POST")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()
	ctx = transport.WithHeaders(ctx, r.Header, g.forward...)
	if g.extra != nil {
		extra, err := g.extra(r)
		if err != nil {
			writeErrors(w, media, http.StatusUnauthorized, "UNAUTHENTICATED", "the request could not be authenticated")
			return
		}
		ctx = transport.WithExtraHeaders(ctx, extra)
	}
	rep := g.respond(ctx, media, req)
	rep.write(w)
	if rep.pooled {
		putBuffer(rep.body)
	}
}

func responseMedia(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "*/*", "application/*":
			return mediaJSON
		}
	}
	return mediaJSON
}

// errorBody encodes a response that holds only one error.
func errorBody(code, message string) []byte {
	body, err := json.Marshal(errorsOnly{Errors: []*execute.Error{{Message: message, Extensions: map[string]any{"code": code}}}})
	if err != nil {
		return []byte(`{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	return body
}

func writeErrors(w http.ResponseWriter, media string, status int, code, message string) {
	writeJSON(w, media, status, &execute.Response{Errors: []*execute.Error{{
		Message: message, Extensions: map[string]any{"code": code},
	}}})
}

type errorsOnly struct {
	Errors []*execute.Error `json:"errors"`
}

func writeJSON(w http.ResponseWriter, media string, status int, resp *execute.Response) {
	var body []byte
	if resp.Data == nil && len(resp.Errors) > 0 && status != http.StatusOK {
		var err error
		if body, err = json.Marshal(errorsOnly{Errors: resp.Errors}); err != nil {
			status = http.StatusInternalServerError
			body = []byte(`{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
		}
	} else {
		body = resp.AppendJSON(make([]byte, 0, 4096))
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
