package cost

import (
	"fmt"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// directives holds the @cost and @listSize applications of a supergraph by type and field.
type directives struct {
	fields map[string]map[string]ast.DirectiveList
	types  map[string]ast.DirectiveList
}

func (d directives) read(doc *ast.SchemaDocument) {
	for _, def := range append(append(ast.DefinitionList{}, doc.Definitions...), doc.Extensions...) {
		if dl := costDirectives(def.Directives); len(dl) > 0 {
			d.types[def.Name] = append(d.types[def.Name], dl...)
		}
		for _, f := range def.Fields {
			dl := costDirectives(f.Directives)
			if len(dl) == 0 {
				continue
			}
			if d.fields[def.Name] == nil {
				d.fields[def.Name] = map[string]ast.DirectiveList{}
			}
			d.fields[def.Name][f.Name] = append(d.fields[def.Name][f.Name], dl...)
		}
	}
}

// names maps the names a supergraph may give the demand-control directives to their own.
var names = map[string]string{
	"cost": "cost", "listSize": "listSize",
	"federation__cost": "cost", "federation__listSize": "listSize",
}

func costDirectives(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if n, ok := names[d.Name]; ok {
			c := *d
			c.Name = n
			out = append(out, &c)
		}
	}
	return out
}

func find(list ast.DirectiveList, name string) *ast.Directive { return list.ForName(name) }

// weight reads @cost(weight: N); the spec types weight as a String or an Int.
func weight(list ast.DirectiveList) (int, bool, error) {
	d := list.ForName("cost")
	if d == nil {
		return 0, false, nil
	}
	a := d.Arguments.ForName("weight")
	if a == nil || a.Value == nil {
		return 0, false, fmt.Errorf("@cost without a weight")
	}
	w, err := strconv.Atoi(a.Value.Raw)
	if err != nil || w < 0 {
		return 0, false, fmt.Errorf("@cost weight %q is not a non-negative integer", a.Value.Raw)
	}
	return w, true, nil
}

// strings reads a list of strings argument.
func strings(a *ast.Argument) []string {
	if a == nil || a.Value == nil {
		return nil
	}
	var out []string
	for _, c := range a.Value.Children {
		if c.Value != nil && c.Value.Kind == ast.StringValue {
			out = append(out, c.Value.Raw)
		}
	}
	if a.Value.Kind == ast.StringValue { // a single string where a list is expected
		out = append(out, a.Value.Raw)
	}
	return out
}
