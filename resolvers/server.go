// Package resolvers holds what every subgraph's gqlgen server shares: transports, limits, and
// the error policy. Each domain's resolvers live in resolvers/<domain>.
package resolvers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Stable codes in extensions.code that clients may branch on.
const (
	CodeBadUserInput = "BAD_USER_INPUT"
	CodeNotFound     = "NOT_FOUND"
	CodeInternal     = "INTERNAL_SERVER_ERROR"
)

// UserError is an error a domain raises for a caller's mistake; its message is safe to show.
// Domain packages implement it with their own types (no import needed). One that also has
// UserErrorField() []string names the input field at fault in extensions.field.
type UserError interface {
	error
	UserErrorCode() string
}

// BadUserInput returns a GraphQL error with code BAD_USER_INPUT for an invalid argument.
func BadUserInput(message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": CodeBadUserInput}}
}

// NewServer wraps a generated executable schema in an HTTP handler with the shared policy:
// POST and GET, a parsed-query cache, and errors that never leak internals.
func NewServer(schema graphql.ExecutableSchema) *handler.Server {
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	return srv
}

// Handler is NewServer with a per-request hook (loaders are installed this way) and a
// request deadline.
func Handler(schema graphql.ExecutableSchema, perRequest func(context.Context) context.Context) http.Handler {
	srv := NewServer(schema)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		if perRequest != nil {
			ctx = perRequest(ctx)
		}
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
}

func presentError(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		return graphql.DefaultErrorPresenter(ctx, gqlErr)
	}
	var userErr UserError
	if errors.As(err, &userErr) {
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Message = userErr.Error()
		e.Extensions = map[string]any{"code": userErr.UserErrorCode()}
		var fielded interface{ UserErrorField() []string }
		if errors.As(err, &fielded) && len(fielded.UserErrorField()) > 0 {
			e.Extensions["field"] = fielded.UserErrorField()
		}
		return e
	}
	if representationFault(err) {
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Message = "invalid entity representation: " + err.Error()
		e.Extensions = map[string]any{"code": CodeBadUserInput}
		return e
	}
	if gqlErr != nil && gqlErr.Rule != "" {
		// Parse and validation errors from gqlparser already carry a safe message.
		return graphql.DefaultErrorPresenter(ctx, gqlErr)
	}
	slog.ErrorContext(ctx, "resolver failed", "path", graphql.GetPath(ctx), "err", err)
	e := graphql.DefaultErrorPresenter(ctx, errors.New("internal server error"))
	e.Extensions = map[string]any{"code": CodeInternal}
	return e
}

// representationFault recognises the errors gqlgen's federation code raises for a malformed
// _entities representation (each generated package declares its own sentinels, so they are
// matched by the start of their text, so an internal error that merely mentions a type is
// never shown). They are the caller's fault, not ours.
func representationFault(err error) bool {
	// gqlgen reports them as "input: _entities <message>".
	msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "input: "), "_entities ")
	for _, s := range []string{"finding resolver for Entity", "unmarshalling param", "__typename must be", "unknown type", "type not found"} {
		if strings.HasPrefix(msg, s) {
			return true
		}
	}
	return false
}

func recoverPanic(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "resolver panicked", "path", graphql.GetPath(ctx), "panic", p)
	return &gqlerror.Error{Message: "internal server error", Extensions: map[string]any{"code": CodeInternal}}
}
