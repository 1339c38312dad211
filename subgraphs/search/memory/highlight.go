package memory

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// fragmentRunes is about how much of a long field a highlight shows around its first match.
const fragmentRunes = 200

// highlights marks the words a query matched in the hit's title and description: the text is
// HTML-escaped and each matched word wrapped in <mark>.
func (ix *index) highlights(slot int32, m *matched) []search.Highlight {
	d := &ix.docs[slot]
	var out []search.Highlight
	for _, f := range []struct {
		field int
		name  string
		text  string
	}{{fieldTitle, "title", d.Title}, {fieldDescription, "description", d.Description}} {
		if frag, ok := mark(f.text, m.words[f.field]); ok {
			out = append(out, search.Highlight{Field: f.name, Fragments: []string{frag}})
		}
	}
	return out
}

// mark escapes text and wraps the words in matched; a text longer than fragmentRunes is cut
// to a window that starts shortly before the first match. ok is false when nothing matched.
func mark(text string, matched map[string]bool) (string, bool) {
	type span struct{ start, end int }
	var hits []span
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			j += size
		}
		if matched[strings.ToLower(text[i:j])] {
			hits = append(hits, span{i, j})
		}
		i = j
	}
	if len(hits) == 0 {
		return "", false
	}
	from, to := 0, len(text)
	if utf8.RuneCountInString(text) > fragmentRunes {
		from = backRunes(text, hits[0].start, fragmentRunes/4)
		to = forwardRunes(text, from, fragmentRunes)
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, h := range hits {
		if h.start < from || h.end > to {
			continue
		}
		b.WriteString(html.EscapeString(text[at:h.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[h.start:h.end]))
		b.WriteString("</mark>")
		at = h.end
	}
	b.WriteString(html.EscapeString(text[at:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String(), true
}

// backRunes is the byte offset n runes before at.
func backRunes(text string, at, n int) int {
	for ; n > 0 && at > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(text[:at])
		at -= size
	}
	return at
}

// forwardRunes is the byte offset n runes after at (or the end of text).
func forwardRunes(text string, at, n int) int {
	for ; n > 0 && at < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[at:])
		at += size
	}
	return at
}
