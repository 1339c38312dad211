package persisted

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// BuildManifest splits GraphQL files (path → text) into one document per
// operation, each holding the fragments it uses, transitively, and returns
// them as a manifest sorted by operation name. Documents are printed in one
// canonical form, so their ids survive reformatting and comments.
func BuildManifest(files map[string]string) (Manifest, error) {
	m := Manifest{Format: ManifestFormat, Version: 1, Operations: []ManifestOperation{}}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	ops := map[string]*ast.OperationDefinition{}
	frags := map[string]*ast.FragmentDefinition{}
	where := map[string]string{} // definition → file, for messages
	for _, path := range paths {
		doc, err := parser.ParseQuery(&ast.Source{Name: path, Input: files[path]})
		if err != nil {
			return m, fmt.Errorf("%s: %w", path, err)
		}
		for _, op := range doc.Operations {
			if op.Name == "" {
				return m, fmt.Errorf("%s:%d: an operation needs a name to be persisted", path, line(op.Position))
			}
			if prev, ok := where["operation "+op.Name]; ok {
				return m, fmt.Errorf("%s: operation %s is also defined in %s", path, op.Name, prev)
			}
			where["operation "+op.Name] = path
			ops[op.Name] = op
		}
		for _, f := range doc.Fragments {
			if prev, ok := where["fragment "+f.Name]; ok {
				return m, fmt.Errorf("%s: fragment %s is also defined in %s", path, f.Name, prev)
			}
			where["fragment "+f.Name] = path
			frags[f.Name] = f
		}
	}
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		op := ops[name]
		used, err := fragmentsOf(op.SelectionSet, frags)
		if err != nil {
			return m, fmt.Errorf("%s: operation %s: %w", where["operation "+name], name, err)
		}
		var b strings.Builder
		formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatQueryDocument(&ast.QueryDocument{
			Operations: ast.OperationList{op}, Fragments: used,
		})
		body := b.String()
		m.Operations = append(m.Operations, ManifestOperation{ID: Hash(body), Name: name, Type: string(op.Operation), Body: body})
	}
	return m, nil
}

// fragmentsOf returns the fragments a selection set spreads, and those they
// spread in turn, sorted by name.
func fragmentsOf(set ast.SelectionSet, all map[string]*ast.FragmentDefinition) (ast.FragmentDefinitionList, error) {
	seen := map[string]*ast.FragmentDefinition{}
	var walk func(ast.SelectionSet) error
	walk = func(set ast.SelectionSet) error {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if _, ok := seen[s.Name]; ok {
					continue
				}
				def, ok := all[s.Name]
				if !ok {
					return fmt.Errorf("unknown fragment %s", s.Name)
				}
				seen[s.Name] = def
				if err := walk(def.SelectionSet); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(set); err != nil {
		return nil, err
	}
	out := make(ast.FragmentDefinitionList, 0, len(seen))
	for _, f := range seen {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func line(p *ast.Position) int {
	if p == nil {
		return 0
	}
	return p.Line
}
