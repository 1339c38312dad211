package plan

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// subSel is a selection set being built for one subgraph operation.
type subSel struct {
	fields []*subField
	frags  []*subFrag
	inFrag bool
}

type subField struct {
	key  string
	name string
	args ast.ArgumentList
	sel  *subSel // nil for leaves
	// wire is the alias sent to the subgraph when it differs from key, to
	// avoid a conflict between fragments whose field types differ there.
	wire string
}

type subFrag struct {
	typeCond string
	sel      *subSel
}

func (s *subSel) leaf(key, name string, args ast.ArgumentList) {
	for _, f := range s.fields {
		if f.key == key {
			return
		}
	}
	s.fields = append(s.fields, &subField{key: key, name: name, args: args})
}

func (s *subSel) object(key, name string, args ast.ArgumentList) *subSel {
	for _, f := range s.fields {
		if f.key == key {
			if f.sel == nil {
				f.sel = &subSel{}
			}
			return f.sel
		}
	}
	f := &subField{key: key, name: name, args: args, sel: &subSel{}}
	s.fields = append(s.fields, f)
	return f.sel
}

func (s *subSel) fragment(typeCond string) *subSel {
	for _, f := range s.frags {
		if f.typeCond == typeCond {
			return f.sel
		}
	}
	f := &subFrag{typeCond: typeCond, sel: &subSel{inFrag: true}}
	s.frags = append(s.frags, f)
	return f.sel
}

func (s *subSel) empty() bool { return len(s.fields) == 0 && len(s.frags) == 0 }

// write prints the selection set in GraphQL syntax.
func (s *subSel) write(b *strings.Builder, vars map[string]bool) {
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(' ')
		}
		first = false
	}
	if s.empty() {
		b.WriteString("__typename")
	}
	for _, f := range s.fields {
		sep()
		if f.wire != "" {
			b.WriteString(f.wire)
			b.WriteString(":")
		} else if f.key != f.name {
			b.WriteString(f.key)
			b.WriteString(":")
		}
		b.WriteString(f.name)
		if len(f.args) > 0 {
			b.WriteByte('(')
			for i, a := range f.args {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(a.Name)
				b.WriteByte(':')
				collectVars(a.Value, vars)
				b.WriteString(a.Value.String())
			}
			b.WriteByte(')')
		}
		if f.sel != nil {
			f.sel.write(b, vars)
		}
	}
	for _, fr := range s.frags {
		if fr.sel.empty() {
			continue
		}
		sep()
		b.WriteString("...on ")
		b.WriteString(fr.typeCond)
		fr.sel.write(b, vars)
	}
	b.WriteByte('}')
}

func collectVars(v *ast.Value, vars map[string]bool) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		vars[v.Raw] = true
	}
	for _, c := range v.Children {
		collectVars(c.Value, vars)
	}
}

// render prints a full subgraph operation.
func render(kind string, entity bool, sel *subSel, varDefs ast.VariableDefinitionList) (string, []string) {
	if entity {
		return renderEntities([]*Part{{Key: "_entities", Var: "representations", sel: sel}}, varDefs)
	}
	var body strings.Builder
	vars := map[string]bool{}
	sel.write(&body, vars)
	return opHeader(kind, nil, vars, varDefs) + body.String(), sortedNames(vars)
}

// renderEntities prints an entity query with one _entities field per part.
func renderEntities(parts []*Part, varDefs ast.VariableDefinitionList) (string, []string) {
	var body strings.Builder
	vars := map[string]bool{}
	body.WriteByte('{')
	own := make([]string, len(parts))
	for i, pt := range parts {
		if i > 0 {
			body.WriteByte(' ')
		}
		if pt.Key != "_entities" {
			body.WriteString(pt.Key)
			body.WriteByte(':')
		}
		body.WriteString("_entities(representations:$")
		body.WriteString(pt.Var)
		body.WriteByte(')')
		pt.sel.write(&body, vars)
		own[i] = pt.Var
	}
	body.WriteByte('}')
	return opHeader("query", own, vars, varDefs) + body.String(), sortedNames(vars)
}

func sortedNames(vars map[string]bool) []string {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// opHeader prints the operation kind and its variable definitions: the
// representations variables first, then the client variables used.
func opHeader(kind string, reps []string, vars map[string]bool, varDefs ast.VariableDefinitionList) string {
	names := sortedNames(vars)
	var b strings.Builder
	b.WriteString(kind)
	if len(reps) > 0 || len(names) > 0 {
		b.WriteByte('(')
		for i, r := range reps {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("$" + r + ":[_Any!]!")
		}
		for _, n := range names {
			if d := varDefs.ForName(n); d != nil {
				if b.Len() > len(kind)+1 {
					b.WriteByte(' ')
				}
				b.WriteString("$" + n + ":" + d.Type.String())
				if d.DefaultValue != nil {
					b.WriteString("=" + d.DefaultValue.String())
				}
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

func (s *subSel) setWire(key, wire string) {
	for _, f := range s.fields {
		if f.key == key {
			f.wire = wire
		}
	}
}

func (s *subSel) hasWire() bool {
	for _, f := range s.fields {
		if f.wire != "" || (f.sel != nil && f.sel.hasWire()) {
			return true
		}
	}
	for _, fr := range s.frags {
		if fr.sel.hasWire() {
			return true
		}
	}
	return false
}

// Restore renames fields the subgraph returned under a wire alias back to
// their response keys. data is the "data" object of the subgraph response.
func (f *Fetch) Restore(data map[string]any) {
	if !f.renames || data == nil {
		return
	}
	if f.Entity {
		for _, pt := range f.Parts {
			if !pt.renames {
				continue
			}
			if list, ok := data[pt.Key].([]any); ok {
				for _, e := range list {
					pt.sel.restore(e)
				}
			}
		}
		return
	}
	f.sel.restore(data)
}

func (s *subSel) restore(v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			s.restore(e)
		}
	case map[string]any:
		for _, f := range s.fields {
			if f.wire != "" {
				if val, ok := v[f.wire]; ok {
					v[f.key] = val
					delete(v, f.wire)
				}
			}
			if f.sel != nil {
				f.sel.restore(v[f.key])
			}
		}
		tn, _ := v["__typename"].(string)
		for _, fr := range s.frags {
			if fr.typeCond == tn {
				fr.sel.restore(v)
			}
		}
	}
}

// size counts the fields of the selection, recursively.
func (s *subSel) size() int {
	n := len(s.fields)
	for _, f := range s.fields {
		if f.sel != nil {
			n += f.sel.size()
		}
	}
	for _, fr := range s.frags {
		n += fr.sel.size()
	}
	return n
}
