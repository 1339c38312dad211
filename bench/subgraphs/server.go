package subgraphs

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// cacheLimit bounds the response cache; a gateway sends a handful of distinct bodies for the
// benchmark query, so the limit only matters if something sends many different ones.
const cacheLimit = 4096

// Server is one subgraph over HTTP: POST /graphql with a JSON body.
type Server struct {
	root     *root
	requests atomic.Int64
	mu       sync.RWMutex
	cache    map[string][]byte
}

// New returns the named subgraph's server.
func New(name string) (*Server, error) {
	r, err := newRoot(name)
	if err != nil {
		return nil, err
	}
	return &Server{root: r, cache: map[string][]byte{}}, nil
}

// Requests is how many GraphQL requests the subgraph has answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a GraphQL request", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	s.requests.Add(1)
	key := string(body)
	s.mu.RLock()
	resp, ok := s.cache[key]
	s.mu.RUnlock()
	if !ok {
		resp = s.Execute(body)
		s.mu.Lock()
		if len(s.cache) < cacheLimit {
			s.cache[key] = resp
		}
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
	_, _ = w.Write(resp)
}

// Execute runs one GraphQL-over-HTTP request body and returns the response body.
func (s *Server) Execute(body []byte) []byte {
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errorResponse(fmt.Errorf("decode request: %w", err))
	}
	doc, gerr := parser.ParseQuery(&ast.Source{Input: req.Query})
	if gerr != nil {
		return errorResponse(gerr)
	}
	var op *ast.OperationDefinition
	for _, o := range doc.Operations {
		if req.OperationName == "" || o.Name == req.OperationName {
			op = o
			break
		}
	}
	if op == nil || op.Operation != ast.Query {
		return errorResponse(fmt.Errorf("no query operation %q", req.OperationName))
	}
	e := &executor{doc: doc, vars: req.Variables}
	e.buf = append(e.buf, `{"data":`...)
	e.writeObject(op.SelectionSet, s.root)
	e.buf = append(e.buf, '}')
	return e.buf
}

func errorResponse(err error) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": err.Error()}}})
	return b
}

// executor writes the response JSON while it walks the selection set.
type executor struct {
	doc  *ast.QueryDocument
	vars map[string]any
	buf  []byte
}

type fieldGroup struct {
	key    string
	fields []*ast.Field
}

func (e *executor) collect(set ast.SelectionSet, typename string, groups []fieldGroup) []fieldGroup {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			found := false
			for i := range groups {
				if groups[i].key == key {
					groups[i].fields = append(groups[i].fields, s)
					found = true
					break
				}
			}
			if !found {
				groups = append(groups, fieldGroup{key: key, fields: []*ast.Field{s}})
			}
		case *ast.InlineFragment:
			if s.TypeCondition == "" || s.TypeCondition == typename {
				groups = e.collect(s.SelectionSet, typename, groups)
			}
		case *ast.FragmentSpread:
			if fd := e.doc.Fragments.ForName(s.Name); fd != nil && fd.TypeCondition == typename {
				groups = e.collect(fd.SelectionSet, typename, groups)
			}
		}
	}
	return groups
}

func (e *executor) writeObject(set ast.SelectionSet, o object) {
	e.buf = append(e.buf, '{')
	for i, g := range e.collect(set, o.typename(), nil) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = strconv.AppendQuote(e.buf, g.key)
		e.buf = append(e.buf, ':')
		f := g.fields[0]
		if f.Name == "__typename" {
			e.buf = strconv.AppendQuote(e.buf, o.typename())
			continue
		}
		args := map[string]any{}
		for _, a := range f.Arguments {
			v, err := a.Value.Value(e.vars)
			if err == nil {
				args[a.Name] = v
			}
		}
		var sub ast.SelectionSet
		for _, f := range g.fields {
			sub = append(sub, f.SelectionSet...)
		}
		e.writeValue(sub, o.resolve(f.Name, args))
	}
	e.buf = append(e.buf, '}')
}

func (e *executor) writeValue(set ast.SelectionSet, v any) {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case object:
		e.writeObject(set, v)
	case []any:
		e.buf = append(e.buf, '[')
		for i, item := range v {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.writeValue(set, item)
		}
		e.buf = append(e.buf, ']')
	case string:
		b, _ := json.Marshal(v)
		e.buf = append(e.buf, b...)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	default:
		b, _ := json.Marshal(v)
		e.buf = append(e.buf, b...)
	}
}
