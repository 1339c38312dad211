package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/shopgraph/shopgraph/gateway/operation"
)

// OperationKey names what a normalised operation asks for, whatever its spelling: its kind,
// each response key with the field, arguments and selection behind it (fragments inlined,
// @skip/@include applied, whitespace, comments and the operation's name gone), and the active
// @override labels. Two documents with one key answer alike for equal variables; an alias is
// a response key, so it is part of the key.
func OperationKey(op *operation.Operation, labels map[string]bool) string {
	var b strings.Builder
	b.WriteString(string(op.Kind))
	writeSelection(&b, op.Selection)
	active := make([]string, 0, len(labels))
	for l, on := range labels {
		if on {
			active = append(active, l)
		}
	}
	slices.Sort(active)
	for _, l := range active {
		b.WriteString("\x01")
		b.WriteString(l)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

func writeSelection(b *strings.Builder, sel *operation.SelectionSet) {
	if sel == nil {
		return
	}
	b.WriteByte('{')
	if sel.Uniform() {
		writeFields(b, sel.Common)
	} else {
		for _, t := range sel.Types {
			b.WriteString("...")
			b.WriteString(t)
			b.WriteByte('{')
			writeFields(b, sel.ByType[t])
			b.WriteByte('}')
		}
	}
	b.WriteByte('}')
}

func writeFields(b *strings.Builder, fields []*operation.Field) {
	for _, f := range fields {
		b.WriteString(f.ResponseKey)
		b.WriteByte(':')
		b.WriteString(f.Name)
		if len(f.Arguments) > 0 {
			b.WriteByte('(')
			for _, a := range f.Arguments {
				b.WriteString(a.Name)
				b.WriteByte(':')
				if a.Value != nil {
					b.WriteString(a.Value.String())
				}
				b.WriteByte(',')
			}
			b.WriteByte(')')
		}
		writeSelection(b, f.Selection)
		b.WriteByte(' ')
	}
}
