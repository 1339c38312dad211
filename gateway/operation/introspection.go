package operation

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Kind returns the kind of the operation a document selects, or "" if it
// cannot be told.
func Kind(query, operationName string) ast.Operation {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return ""
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return ""
	}
	return op.Operation
}

// ConditionVariables lists the variables used by @skip/@include.
func ConditionVariables(doc *ast.QueryDocument) []string {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	check := func(dirs ast.DirectiveList) {
		for _, d := range dirs {
			if d.Name != "skip" && d.Name != "include" {
				continue
			}
			if a := d.Arguments.ForName("if"); a != nil && a.Value != nil && a.Value.Kind == ast.Variable {
				seen[a.Value.Raw] = true
			}
		}
	}
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				check(s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				check(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				check(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	return out
}

// Introspect answers a __schema or __type root field from the API schema.
func Introspect(schema *ast.Schema, f *Field, vars map[string]any) json.RawMessage {
	in := &introspector{schema: schema, vars: vars}
	var b bytes.Buffer
	switch f.Name {
	case "__schema":
		in.object(&b, schema, f.Raw.SelectionSet)
	case "__type":
		name := ""
		if a := f.Raw.Arguments.ForName("name"); a != nil {
			if v, err := a.Value.Value(vars); err == nil {
				name, _ = v.(string)
			}
		}
		if def := schema.Types[name]; def != nil {
			in.object(&b, def, f.Raw.SelectionSet)
		} else {
			b.WriteString("null")
		}
	default:
		b.WriteString("null")
	}
	return b.Bytes()
}

type introspector struct {
	schema *ast.Schema
	vars   map[string]any
}

// typeRef is a possibly wrapped type reference (__Type of kind LIST/NON_NULL).
type typeRef struct{ t *ast.Type }

func (in *introspector) object(b *bytes.Buffer, obj any, sel ast.SelectionSet) {
	b.WriteByte('{')
	first := true
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				if !first {
					b.WriteByte(',')
				}
				first = false
				kb, _ := json.Marshal(key)
				b.Write(kb)
				b.WriteByte(':')
				in.value(b, in.resolve(obj, s), s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(sel)
	b.WriteByte('}')
}

func (in *introspector) value(b *bytes.Buffer, v any, sel ast.SelectionSet) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			in.value(b, e, sel)
		}
		b.WriteByte(']')
	case string, bool, *string:
		if p, ok := v.(*string); ok {
			if p == nil {
				b.WriteString("null")
				return
			}
			v = *p
		}
		vb, _ := json.Marshal(v)
		b.Write(vb)
	default:
		in.object(b, v, sel)
	}
}

func (in *introspector) includeDeprecated(f *ast.Field) bool {
	if a := f.Arguments.ForName("includeDeprecated"); a != nil {
		if v, err := a.Value.Value(in.vars); err == nil {
			b, _ := v.(bool)
			return b
		}
	}
	return false
}

func (in *introspector) resolve(obj any, f *ast.Field) any {
	if f.Name == "__typename" {
		switch o := obj.(type) {
		case *ast.Schema:
			return "__Schema"
		case *ast.Definition, typeRef:
			return "__Type"
		case *ast.FieldDefinition:
			if o.Type == nil {
				return "__InputValue"
			}
			return "__Field"
		case *ast.ArgumentDefinition:
			return "__InputValue"
		case *ast.EnumValueDefinition:
			return "__EnumValue"
		case *ast.DirectiveDefinition:
			return "__Directive"
		}
		return nil
	}
	switch o := obj.(type) {
	case *ast.Schema:
		return in.schemaField(o, f)
	case *ast.Definition:
		return in.typeField(o, nil, f)
	case typeRef:
		if o.t.NonNull || o.t.Elem != nil {
			return in.wrappedField(o.t, f)
		}
		return in.typeField(in.schema.Types[o.t.NamedType], nil, f)
	case *ast.FieldDefinition:
		return in.fieldField(o, f)
	case *ast.ArgumentDefinition:
		return in.inputValueField(o.Name, o.Description, o.Type, o.DefaultValue, o.Directives, f)
	case *ast.EnumValueDefinition:
		switch f.Name {
		case "name":
			return o.Name
		case "description":
			return nullable(o.Description)
		}
		return deprecation(o.Directives, f.Name)
	case *ast.DirectiveDefinition:
		switch f.Name {
		case "name":
			return o.Name
		case "description":
			return nullable(o.Description)
		case "isRepeatable":
			return o.IsRepeatable
		case "locations":
			out := []any{}
			for _, l := range o.Locations {
				out = append(out, string(l))
			}
			return out
		case "args":
			out := []any{}
			for _, a := range o.Arguments {
				out = append(out, a)
			}
			return out
		}
	}
	return nil
}

func (in *introspector) schemaField(s *ast.Schema, f *ast.Field) any {
	switch f.Name {
	case "description":
		return nullable(s.Description)
	case "types":
		names := make([]string, 0, len(s.Types))
		for n := range s.Types {
			names = append(names, n)
		}
		sortStrings(names)
		out := []any{}
		for _, n := range names {
			out = append(out, s.Types[n])
		}
		return out
	case "queryType":
		return defOrNil(s.Query)
	case "mutationType":
		return defOrNil(s.Mutation)
	case "subscriptionType":
		return defOrNil(s.Subscription)
	case "directives":
		names := make([]string, 0, len(s.Directives))
		for n := range s.Directives {
			names = append(names, n)
		}
		sortStrings(names)
		out := []any{}
		for _, n := range names {
			out = append(out, s.Directives[n])
		}
		return out
	}
	return nil
}

func defOrNil(d *ast.Definition) any {
	if d == nil {
		return nil
	}
	return d
}

func (in *introspector) typeField(d *ast.Definition, _ any, f *ast.Field) any {
	if d == nil {
		return nil
	}
	switch f.Name {
	case "kind":
		return string(d.Kind)
	case "name":
		return d.Name
	case "description":
		return nullable(d.Description)
	case "specifiedByURL":
		if dir := d.Directives.ForName("specifiedBy"); dir != nil {
			if a := dir.Arguments.ForName("url"); a != nil {
				return a.Value.Raw
			}
		}
		return nil
	case "isOneOf":
		if d.Kind != ast.InputObject {
			return nil
		}
		return d.Directives.ForName("oneOf") != nil
	case "fields":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil
		}
		out := []any{}
		for _, fd := range d.Fields {
			if strings.HasPrefix(fd.Name, "__") {
				continue
			}
			if fd.Directives.ForName("deprecated") != nil && !in.includeDeprecated(f) {
				continue
			}
			out = append(out, fd)
		}
		return out
	case "interfaces":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil
		}
		out := []any{}
		for _, i := range d.Interfaces {
			if def := in.schema.Types[i]; def != nil {
				out = append(out, def)
			}
		}
		return out
	case "possibleTypes":
		if d.Kind != ast.Interface && d.Kind != ast.Union {
			return nil
		}
		out := []any{}
		for _, p := range in.schema.GetPossibleTypes(d) {
			out = append(out, p)
		}
		return out
	case "enumValues":
		if d.Kind != ast.Enum {
			return nil
		}
		out := []any{}
		for _, v := range d.EnumValues {
			if v.Directives.ForName("deprecated") != nil && !in.includeDeprecated(f) {
				continue
			}
			out = append(out, v)
		}
		return out
	case "inputFields":
		if d.Kind != ast.InputObject {
			return nil
		}
		out := []any{}
		for _, fd := range d.Fields {
			out = append(out, &ast.ArgumentDefinition{Name: fd.Name, Description: fd.Description, Type: fd.Type, DefaultValue: fd.DefaultValue, Directives: fd.Directives})
		}
		return out
	case "ofType":
		return nil
	}
	return nil
}

func (in *introspector) wrappedField(t *ast.Type, f *ast.Field) any {
	switch f.Name {
	case "kind":
		if t.NonNull {
			return "NON_NULL"
		}
		return "LIST"
	case "ofType":
		if t.NonNull {
			c := *t
			c.NonNull = false
			return typeRef{&c}
		}
		return typeRef{t.Elem}
	}
	return nil
}

func (in *introspector) fieldField(fd *ast.FieldDefinition, f *ast.Field) any {
	switch f.Name {
	case "name":
		return fd.Name
	case "description":
		return nullable(fd.Description)
	case "args":
		out := []any{}
		for _, a := range fd.Arguments {
			out = append(out, a)
		}
		return out
	case "type":
		return typeRef{fd.Type}
	}
	return deprecation(fd.Directives, f.Name)
}

func (in *introspector) inputValueField(name, desc string, t *ast.Type, def *ast.Value, dirs ast.DirectiveList, f *ast.Field) any {
	switch f.Name {
	case "name":
		return name
	case "description":
		return nullable(desc)
	case "type":
		return typeRef{t}
	case "defaultValue":
		if def == nil {
			return nil
		}
		return def.String()
	}
	return deprecation(dirs, f.Name)
}

func deprecation(dirs ast.DirectiveList, field string) any {
	d := dirs.ForName("deprecated")
	switch field {
	case "isDeprecated":
		return d != nil
	case "deprecationReason":
		if d == nil {
			return nil
		}
		if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
			return a.Value.Raw
		}
		return "No longer supported"
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
