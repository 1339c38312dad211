package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/inflight"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/transport"
)

// inbound shares one execution among identical client queries in flight at the same time:
// same document, operation name, variables, response media type and caller scope (the headers
// forwarded to subgraphs, which carry the caller's identity). Mutations always run.
type inbound = inflight.Group[reply]

func newInbound(on bool, shared func()) *inbound {
	if !on {
		return nil
	}
	return &inbound{Shared: shared}
}

// reply is a finished response, written as is to every client that shared it.
type reply struct {
	status int
	media  string
	body   []byte
	pooled bool // body goes back to the pool once written
	// length is the Content-Length header's value, worked out once for every client sharing
	// the reply (nil: from body when written)
	length []string
	code   string // the first error's code, "" when the response has none
	// operation is the executed operation's name ("" when anonymous or invalid)
	operation string
	// cacheControl and etag describe a query response to HTTP caches (GET only).
	cacheControl, etag string
}

// respond runs the request, or joins an identical one already running.
func (g *Gateway) respond(ctx context.Context, media string, req wireRequest) reply {
	if g.inbound == nil || g.kind(req) != ast.Query {
		return g.run(ctx, media, req)
	}
	key, ok := inboundKey(ctx, media, req)
	if !ok {
		return g.run(ctx, media, req)
	}
	// The shared execution outlives a client that goes away; a client that leaves stops waiting.
	rep, err := g.inbound.Do(ctx, key, func(ctx context.Context) (reply, error) {
		return g.run(ctx, media, req), nil
	})
	if err != nil { // the execution panicked, or this client went away
		return reply{status: http.StatusInternalServerError, media: mediaJSON,
			body: errorBody("INTERNAL_SERVER_ERROR", "internal server error"), code: "INTERNAL_SERVER_ERROR"}
	}
	rep.pooled = false // every caller sharing it writes the body
	return rep
}

// inboundKey is the response media type, the request's digest and the caller scope.
func inboundKey(ctx context.Context, media string, req wireRequest) (string, bool) {
	digest := req.digest
	if digest == nil {
		d, ok := requestDigest(req.OperationName, req.Query, req.Variables)
		if !ok {
			return "", false
		}
		digest = &d
	}
	return media + "\x00" + string(digest[:]) + transport.HeaderSignature(ctx), true
}

// run executes the request and encodes the response.
func (g *Gateway) run(ctx context.Context, media string, req wireRequest) reply {
	name := ""
	prep, vars, oerr := g.prepare(ctx, operation.Request{Query: req.Query, OperationName: req.OperationName, Variables: req.Variables})
	if oerr == nil {
		name = prep.op.Name
		oerr = g.admitOperation(ctx, prep, vars)
	}
	if oerr != nil {
		status := http.StatusOK
		if media == mediaGraphQLResponse || oerr.Code == operation.CodeParseFailed {
			status = http.StatusBadRequest
		}
		return reply{status: status, media: media, body: operationErrorBody(oerr), code: oerr.Code, operation: name}
	}
	if rep, ok := g.runCached(ctx, media, prep, vars); ok {
		return rep
	}
	resp := g.executePrepared(ctx, prep, vars)
	body := resp.AppendJSON(getBuffer())
	lastSize.Store(int64(len(body)))
	return reply{status: http.StatusOK, media: media, body: body, pooled: true, code: responseCode(resp), operation: name,
		length: []string{strconv.Itoa(len(body))}}
}

// Response bodies are written into pooled buffers; a fresh one is as large
// as the last response.
var (
	buffers  sync.Pool
	lastSize atomic.Int64
)

const maxPooledBuffer = 4 << 20

func getBuffer() []byte {
	if b, ok := buffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, max(4096, lastSize.Load()+lastSize.Load()/8))
}

func putBuffer(b []byte) {
	if cap(b) > maxPooledBuffer {
		return
	}
	buffers.Put(&b)
}

func (r reply) write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = contentType(r.media)
	length := r.length
	if length == nil {
		length = []string{strconv.Itoa(len(r.body))}
	}
	h["Content-Length"] = length
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

// Header values shared by every response (net/http only reads them), so setting them
// allocates nothing.
var (
	contentTypeJSON            = []string{mediaJSON + "; charset=utf-8"}
	contentTypeGraphQLResponse = []string{mediaGraphQLResponse + "; charset=utf-8"}
)

func contentType(media string) []string {
	switch media {
	case mediaJSON:
		return contentTypeJSON
	case mediaGraphQLResponse:
		return contentTypeGraphQLResponse
	}
	return []string{media + "; charset=utf-8"}
}
