package search

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// InvalidQueryError is a caller's mistake in a query; its message is safe to show.
type InvalidQueryError struct{ Reason string }

func (e *InvalidQueryError) Error() string { return e.Reason }

// UserErrorCode marks the error as the caller's (BAD_USER_INPUT in the graph).
func (e *InvalidQueryError) UserErrorCode() string { return "BAD_USER_INPUT" }

func invalid(format string, args ...any) error {
	return &InvalidQueryError{Reason: fmt.Sprintf(format, args...)}
}

// MaxTerms bounds the words of a query an engine matches: more only slow it down.
const MaxTerms = 16

// Normalize checks a query and fills defaults: trimmed text, sort RELEVANCE, First 20,
// deduplicated and ordered filter ids (so equal filters give equal cursors).
func (q Query) Normalize() (Query, error) {
	q.Text = strings.TrimSpace(q.Text)
	if !utf8.ValidString(q.Text) {
		return q, invalid("query is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(q.Text); n > MaxQueryLength {
		return q, invalid("query is %d characters; at most %d are allowed", n, MaxQueryLength)
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortPriceAsc, SortPriceDesc, SortRating, SortNewest:
	default:
		return q, invalid("unknown sort %q", q.Sort)
	}
	if q.First < 0 || q.First > MaxFirst {
		return q, invalid("first must be between 0 and %d", MaxFirst)
	}
	f := &q.Filter
	if f.PriceMin != nil && *f.PriceMin < 0 {
		return q, invalid("priceMin must not be negative")
	}
	if f.PriceMax != nil && *f.PriceMax < 0 {
		return q, invalid("priceMax must not be negative")
	}
	if f.MinRating != nil && (*f.MinRating < 0 || *f.MinRating > 5) {
		return q, invalid("minRating must be between 0 and 5")
	}
	f.CategoryIDs = sortedUnique(f.CategoryIDs)
	f.BrandIDs = sortedUnique(f.BrandIDs)
	return q, nil
}

func sortedUnique(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Terms splits text into lowercase words of letters and digits: everything else, query syntax
// included, separates words and is never interpreted.
func Terms(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > MaxTerms {
		words = words[:MaxTerms]
	}
	return words
}

// Typos is how many edits a word may be off and still match: none for short words, where one
// edit makes another word, one from 4 letters, two from 8.
func Typos(word string) int {
	switch n := utf8.RuneCountInString(word); {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	default:
		return 0
	}
}

// cursor is what a page's cursor carries: the engine's sort values of a hit and a fingerprint
// of the query, so a cursor pasted into another query is refused instead of paging wrongly.
type cursor struct {
	Query  uint64   `json:"q"`
	Values [][]byte `json:"v"` // bytes: an engine's sort values need not be UTF-8
}

func (q Query) fingerprint() uint64 {
	h := fnv.New64a()
	b, _ := json.Marshal(struct {
		T string
		F Filter
		S Sort
	}{strings.Join(Terms(q.Text), " "), q.Filter, q.Sort})
	h.Write(b)
	return h.Sum64()
}

// EncodeCursor makes the opaque cursor of a hit from the engine's sort values.
func (q Query) EncodeCursor(values []string) string {
	c := cursor{Query: q.fingerprint(), Values: make([][]byte, len(values))}
	for i, v := range values {
		c.Values[i] = []byte(v)
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AfterValues decodes q.After into the engine's sort values; nil when After is empty.
func (q Query) AfterValues() ([]string, error) {
	if q.After == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(q.After)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || len(c.Values) == 0 {
		return nil, invalid("after is not a cursor of this search")
	}
	if c.Query != q.fingerprint() {
		return nil, invalid("after is a cursor of another search; start again without it")
	}
	values := make([]string, len(c.Values))
	for i, v := range c.Values {
		values[i] = string(v)
	}
	return values, nil
}
