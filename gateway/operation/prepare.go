package operation

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Stable extensions.code values for errors raised before planning.
const (
	CodeParseFailed      = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	CodeBadUserInput     = "BAD_USER_INPUT"
	CodeOperationUnknown = "OPERATION_RESOLUTION_FAILURE"
	CodeDepthLimit       = "MAX_DEPTH_EXCEEDED"
	CodeAliasLimit       = "MAX_ALIASES_EXCEEDED"
)

// Limits bound what an operation may ask for; zero means the default.
type Limits struct {
	MaxDepth   int
	MaxAliases int
}

// DefaultLimits are used when Limits fields are zero.
var DefaultLimits = Limits{MaxDepth: 15, MaxAliases: 30}

// Error is a client-facing error with a stable code.
type Error struct {
	Code    string
	Message string
	List    gqlerror.List
	// Extensions are added to the error's extensions besides the code.
	Extensions map[string]any
}

func (e *Error) Error() string { return e.Message }

// Request is what a client sent.
type Request struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

// Prepared is a parsed, validated operation before normalisation.
type Prepared struct {
	Doc *ast.QueryDocument
	Op  *ast.OperationDefinition
}

// Parse parses and validates a document against the schema and enforces limits.
func Parse(schema *ast.Schema, query, operationName string, limits Limits) (*Prepared, *Error) {
	if limits.MaxDepth == 0 {
		limits.MaxDepth = DefaultLimits.MaxDepth
	}
	if limits.MaxAliases == 0 {
		limits.MaxAliases = DefaultLimits.MaxAliases
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		return nil, &Error{Code: CodeParseFailed, Message: perr.Error(), List: asList(perr)}
	}
	if d := depth(doc); d > limits.MaxDepth {
		return nil, &Error{Code: CodeDepthLimit, Message: "operation exceeds the maximum depth"}
	}
	if a := aliases(doc); a > limits.MaxAliases {
		return nil, &Error{Code: CodeAliasLimit, Message: "operation exceeds the maximum number of aliases"}
	}
	if errs := validator.Validate(schema, doc); len(errs) > 0 {
		return nil, &Error{Code: CodeValidationFailed, Message: errs[0].Message, List: errs}
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		msg := "unknown operation named \"" + operationName + "\""
		if operationName == "" {
			msg = "operation name is required when the document has several operations"
		}
		return nil, &Error{Code: CodeOperationUnknown, Message: msg}
	}
	return &Prepared{Doc: doc, Op: op}, nil
}

// Coerce checks and coerces variable values.
func (p *Prepared) Coerce(schema *ast.Schema, vars map[string]any) (map[string]any, *Error) {
	out, err := validator.VariableValues(schema, p.Op, vars)
	if err != nil {
		return nil, &Error{Code: CodeBadUserInput, Message: err.Error(), List: asList(err)}
	}
	return out, nil
}

func asList(err error) gqlerror.List {
	switch e := err.(type) {
	case *gqlerror.Error:
		return gqlerror.List{e}
	case gqlerror.List:
		return e
	}
	return nil
}

// depth is the deepest field nesting of any operation, following fragments.
func depth(doc *ast.QueryDocument) int {
	var walk func(ast.SelectionSet, int, map[string]bool) int
	walk = func(set ast.SelectionSet, d int, seen map[string]bool) int {
		max := d
		for _, s := range set {
			var m int
			switch s := s.(type) {
			case *ast.Field:
				if len(s.SelectionSet) == 0 {
					m = d + 1
				} else {
					m = walk(s.SelectionSet, d+1, seen)
				}
			case *ast.InlineFragment:
				m = walk(s.SelectionSet, d, seen)
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				f := doc.Fragments.ForName(s.Name)
				if f == nil {
					continue
				}
				seen[s.Name] = true
				m = walk(f.SelectionSet, d, seen)
				delete(seen, s.Name)
			}
			if m > max {
				max = m
			}
		}
		return max
	}
	max := 0
	for _, op := range doc.Operations {
		if d := walk(op.SelectionSet, 0, map[string]bool{}); d > max {
			max = d
		}
	}
	return max
}

func aliases(doc *ast.QueryDocument) int {
	n := 0
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					n++
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return n
}
