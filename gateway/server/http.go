package server

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
	"github.com/shopgraph/shopgraph/gateway/transport"
)

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	maxBody              = 8 << 20
)

// serveGraphQL implements GraphQL over HTTP.
func (g *Gateway) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	media := responseMedia(r.Header.Get("Accept"))
	defer func() {
		if v := recover(); v != nil {
			g.log.Error("panic serving request", "panic", v)
			writeErrors(w, media, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "internal server error")
		}
	}()
	r, ok := g.admitRequest(w, r, media)
	if !ok {
		return
	}
	req, rerr := g.readRequest(r, media)
	if rerr != nil {
		telemetry.Note(w, req.OperationName, rerr.code)
		rerr.write(w, media)
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
	rep := g.respond(ctx, media, req.wireRequest)
	telemetry.Note(w, cmp.Or(rep.operation, req.OperationName), rep.code)
	g.writeReply(w, r, rep)
	if rep.pooled {
		putBuffer(rep.body)
	}
}

// responseMedia picks the response media type from Accept: the first of the GraphQL response
// type or JSON (or a wildcard) that it lists, JSON when it lists neither.
func responseMedia(accept string) string {
	for part, rest := "", accept; rest != ""; {
		part, rest, _ = strings.Cut(rest, ",")
		switch mediaType(part) {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "*/*", "application/*":
			return mediaJSON
		}
	}
	return mediaJSON
}

// mediaType is the type of a media range or Content-Type, lower case, without parameters.
// It allocates only for a type not already in lower case.
func mediaType(v string) string {
	mt, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(mt))
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
	telemetry.Note(w, "", code)
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
