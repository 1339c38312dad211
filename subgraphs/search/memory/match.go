package memory

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// clause is one posting list a query word matches through, with the score it gives.
type clause struct {
	field    int
	word     string
	weight   float32
	postings []int32
}

// matched is the outcome of matching a query's words: the matching slots with their text
// scores, and the index words each field matched (for highlighting).
type matched struct {
	slots  []int32
	scores []float32
	words  [textFields]map[string]bool
}

// expand lists the clauses of one query word: the exact word in every field, the words within
// its typo allowance, and with prefix the words it begins. Heaviest first.
func (ix *index) expand(w string, prefix bool) []clause {
	typos := search.Typos(w)
	var out []clause
	for f := range ix.postings {
		boost := textBoosts[f]
		if p, ok := ix.postings[f][w]; ok {
			out = append(out, clause{f, w, boost * exactBoost, p})
		}
		if typos == 0 && !prefix {
			continue
		}
		for v, p := range ix.postings[f] {
			if v == w {
				continue
			}
			if (prefix && strings.HasPrefix(v, w)) || (typos > 0 && withinEdits(w, v, typos)) {
				out = append(out, clause{f, v, boost, p})
			}
		}
	}
	// Heaviest first, so the first clause to reach a slot gives the word's score there;
	// ties in a fixed order so scores never depend on map iteration.
	slices.SortFunc(out, func(a, b clause) int {
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		if c := cmp.Compare(a.field, b.field); c != 0 {
			return c
		}
		return strings.Compare(a.word, b.word)
	})
	return out
}

// scratch is the per-query state of matching, sized to the index and reused.
type scratch struct {
	count []uint8 // words matched so far, per slot
	score []float32
}

var scratchPool sync.Pool

func getScratch(n int) *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil || cap(s.count) < n {
		s = &scratch{count: make([]uint8, n), score: make([]float32, n)}
	}
	s.count, s.score = s.count[:n], s.score[:n]
	clear(s.count)
	clear(s.score)
	return s
}

// match finds the slots where every word matches in some text field: each word scores its
// best clause there, and the document's signals are added. prefixLast lets the last word match
// as a prefix (search as you type).
func (ix *index) match(terms []string, prefixLast bool) matched {
	var m matched
	for f := range m.words {
		m.words[f] = map[string]bool{}
	}
	if len(terms) > 255 {
		terms = terms[:255]
	}
	clauses := make([][]clause, len(terms))
	for i, t := range terms {
		clauses[i] = ix.expand(t, prefixLast && i == len(terms)-1)
		if len(clauses[i]) == 0 {
			return m // a word nothing matches: no document has every word
		}
	}
	s := getScratch(len(ix.rows))
	defer scratchPool.Put(s)
	last := uint8(len(terms) - 1)
	for i, cs := range clauses {
		n := uint8(i)
		for _, c := range cs {
			m.words[c.field][c.word] = true
			for _, slot := range c.postings {
				if s.count[slot] != n {
					continue // missed an earlier word, or this word already scored here
				}
				s.count[slot] = n + 1
				s.score[slot] += c.weight
				if n == last {
					m.slots = append(m.slots, slot)
				}
			}
		}
	}
	slices.Sort(m.slots)
	m.scores = make([]float32, len(m.slots))
	for i, slot := range m.slots {
		m.scores[i] = s.score[slot] + ix.rows[slot].signal
	}
	return m
}

// withinEdits reports whether a and b are at most k insertions, deletions or substitutions
// apart (Levenshtein, by rune), stopping as soon as every path exceeds k.
func withinEdits(a, b string, k int) bool {
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	if la-lb > k || lb-la > k {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, lb+1)
	cur := make([]int, lb+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[lb] <= k
}
