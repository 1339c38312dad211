package supergraph

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// federationDirectives are spec directives that never reach the API schema.
var federationDirectives = map[string]bool{
	"link": true, "inaccessible": true, "tag": true, "core": true,
	"authenticated": true, "requiresScopes": true, "policy": true,
	"cost": true, "listSize": true, "context": true, "fromContext": true,
}

func hiddenDirective(name string) bool {
	return federationDirectives[name] || strings.HasPrefix(name, "join__") || strings.HasPrefix(name, "link__")
}

// buildAPISchema strips join machinery and @inaccessible elements, then
// loads the result with the GraphQL prelude.
func buildAPISchema(doc *ast.SchemaDocument) (*ast.Schema, string, error) {
	inaccessible := map[string]bool{}
	for _, d := range append(append(ast.DefinitionList{}, doc.Definitions...), doc.Extensions...) {
		if d.Directives.ForName("inaccessible") != nil {
			inaccessible[d.Name] = true
		}
	}
	out := &ast.SchemaDocument{}
	for _, dd := range doc.Directives {
		if hiddenDirective(dd.Name) {
			continue
		}
		out.Directives = append(out.Directives, dd)
	}
	keepDirectives := map[string]bool{"deprecated": true, "specifiedBy": true, "oneOf": true}
	for _, dd := range out.Directives {
		keepDirectives[dd.Name] = true
	}
	clean := func(list ast.DirectiveList) ast.DirectiveList {
		var res ast.DirectiveList
		for _, d := range list {
			if keepDirectives[d.Name] {
				res = append(res, d)
			}
		}
		return res
	}
	for _, sd := range doc.Schema {
		c := *sd
		c.Directives = clean(sd.Directives)
		out.Schema = append(out.Schema, &c)
	}
	convert := func(src ast.DefinitionList) ast.DefinitionList {
		var res ast.DefinitionList
		for _, d := range src {
			if isMachinery(d.Name) || inaccessible[d.Name] {
				continue
			}
			c := *d
			c.Directives = clean(d.Directives)
			c.Interfaces = nil
			for _, i := range d.Interfaces {
				if !inaccessible[i] {
					c.Interfaces = append(c.Interfaces, i)
				}
			}
			c.Types = nil
			for _, m := range d.Types {
				if !inaccessible[m] {
					c.Types = append(c.Types, m)
				}
			}
			c.Fields = nil
			for _, f := range d.Fields {
				if f.Directives.ForName("inaccessible") != nil || inaccessible[f.Type.Name()] {
					continue
				}
				fc := *f
				fc.Directives = clean(f.Directives)
				fc.Arguments = nil
				for _, a := range f.Arguments {
					if a.Directives.ForName("inaccessible") != nil || inaccessible[a.Type.Name()] {
						continue
					}
					ac := *a
					ac.Directives = clean(a.Directives)
					fc.Arguments = append(fc.Arguments, &ac)
				}
				c.Fields = append(c.Fields, &fc)
			}
			c.EnumValues = nil
			for _, v := range d.EnumValues {
				if v.Directives.ForName("inaccessible") != nil {
					continue
				}
				vc := *v
				vc.Directives = clean(v.Directives)
				c.EnumValues = append(c.EnumValues, &vc)
			}
			res = append(res, &c)
		}
		return res
	}
	out.Definitions = convert(doc.Definitions)
	out.Extensions = convert(doc.Extensions)

	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatSchemaDocument(out)
	sdl := buf.String()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "api", Input: sdl})
	if err != nil {
		return nil, "", fmt.Errorf("build API schema: %w", err)
	}
	return schema, sdl, nil
}
