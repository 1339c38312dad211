package memory

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// key is a hit's place in a sort: k1, then k2, ascending (descending orders are negated), then
// the product id, so every order is total.
type key struct {
	k1, k2     float64
	idHi, idLo uint64 // the id's first bytes (idPrefix)
	id         string
	slot       int32
	score      float32
}

func (a *key) less(b *key) bool {
	if a.k1 != b.k1 {
		return a.k1 < b.k1
	}
	if a.k2 != b.k2 {
		return a.k2 < b.k2
	}
	if a.idHi != b.idHi {
		return a.idHi < b.idHi
	}
	if a.idLo != b.idLo {
		return a.idLo < b.idLo
	}
	return a.id < b.id
}

// sortKey places a matching slot in the order s.
func sortKey(s search.Sort, r *row, score float32) (k1, k2 float64) {
	switch s {
	case search.SortPriceAsc:
		return float64(r.price), 0
	case search.SortPriceDesc:
		return -float64(r.price), 0
	case search.SortRating:
		return -r.rating, -float64(r.popularity)
	case search.SortNewest:
		return -float64(r.created), 0
	default:
		return -float64(score), -float64(r.popularity)
	}
}

// cursorValues are a hit's sort values as a cursor carries them.
func cursorValues(k *key) []string {
	return []string{strconv.FormatFloat(k.k1, 'g', -1, 64), strconv.FormatFloat(k.k2, 'g', -1, 64), k.id}
}

func parseAfter(values []string) (*key, error) {
	if len(values) != 3 {
		return nil, &search.InvalidQueryError{Reason: "after is not a cursor of this search"}
	}
	k1, err1 := strconv.ParseFloat(values[0], 64)
	k2, err2 := strconv.ParseFloat(values[1], 64)
	if err1 != nil || err2 != nil {
		return nil, &search.InvalidQueryError{Reason: "after is not a cursor of this search"}
	}
	hi, lo := idPrefix(values[2])
	return &key{k1: k1, k2: k2, idHi: hi, idLo: lo, id: values[2]}, nil
}

// topN keeps the n first keys seen: a max-heap on the order, its worst key on top.
type topN struct {
	n    int
	keys []key
}

func (t *topN) offer(k key) {
	if t.n == 0 {
		return
	}
	if len(t.keys) < t.n {
		t.keys = append(t.keys, k)
		for i := len(t.keys) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.keys[p].less(&t.keys[i]) {
				break
			}
			t.keys[p], t.keys[i] = t.keys[i], t.keys[p]
			i = p
		}
		return
	}
	if !k.less(&t.keys[0]) {
		return
	}
	t.keys[0] = k
	for i := 0; ; {
		l, r, worst := 2*i+1, 2*i+2, i
		if l < len(t.keys) && t.keys[worst].less(&t.keys[l]) {
			worst = l
		}
		if r < len(t.keys) && t.keys[worst].less(&t.keys[r]) {
			worst = r
		}
		if worst == i {
			break
		}
		t.keys[i], t.keys[worst] = t.keys[worst], t.keys[i]
		i = worst
	}
}

func (t *topN) sorted() []key {
	slices.SortFunc(t.keys, func(a, b key) int {
		if a.less(&b) {
			return -1
		}
		if b.less(&a) {
			return 1
		}
		return 0
	})
	return t.keys
}

// filter is a query's filter resolved against the index's dictionaries.
type filter struct {
	cats, brands         []int32
	hasCats, hasBrands   bool
	priceMin, priceMax   int64
	minRating            float64
	hasRating, inStockOK bool
}

func (ix *index) filter(f search.Filter) filter {
	out := filter{priceMin: -1 << 63, priceMax: 1<<63 - 1, inStockOK: f.InStockOnly}
	if len(f.CategoryIDs) > 0 {
		out.hasCats = true
		for _, c := range f.CategoryIDs {
			if id, ok := ix.cats.ids[c]; ok {
				out.cats = append(out.cats, id)
			}
		}
	}
	if len(f.BrandIDs) > 0 {
		out.hasBrands = true
		for _, b := range f.BrandIDs {
			if id, ok := ix.brands.ids[b]; ok {
				out.brands = append(out.brands, id)
			}
		}
	}
	if f.PriceMin != nil {
		out.priceMin = *f.PriceMin
	}
	if f.PriceMax != nil {
		out.priceMax = *f.PriceMax
	}
	if f.MinRating != nil {
		out.hasRating, out.minRating = true, *f.MinRating
	}
	return out
}

func (f *filter) keeps(ix *index, slot int32, r *row) bool {
	if !r.live || r.price < f.priceMin || r.price > f.priceMax || (f.inStockOK && !r.inStock) ||
		(f.hasRating && r.rating < f.minRating) {
		return false
	}
	if f.hasBrands && !slices.Contains(f.brands, r.brand) {
		return false
	}
	if f.hasCats {
		for _, c := range ix.categories(slot, r) {
			if slices.Contains(f.cats, c) {
				return true
			}
		}
		return false
	}
	return true
}

// facetCounts are the facet counts of one query, indexed like the dictionaries and buckets.
type facetCounts struct {
	cats, brands []int32
	prices       [8]int
	ratings      [8]int
	inStock, out int
}

func (c *facetCounts) add(cats []int32, r *row) {
	for _, id := range cats {
		c.cats[id]++
	}
	if r.brand >= 0 {
		c.brands[r.brand]++
	}
	if r.priceBand >= 0 {
		c.prices[r.priceBand]++
	}
	if r.ratingBand >= 0 {
		c.ratings[r.ratingBand]++
	}
	if r.inStock {
		c.inStock++
	} else {
		c.out++
	}
}

func (c *facetCounts) merge(o *facetCounts) {
	for i, n := range o.cats {
		c.cats[i] += n
	}
	for i, n := range o.brands {
		c.brands[i] += n
	}
	for i := range c.prices {
		c.prices[i] += o.prices[i]
		c.ratings[i] += o.ratings[i]
	}
	c.inStock += o.inStock
	c.out += o.out
}

func (ix *index) facets(c *facetCounts) search.Facets {
	values := func(counts []int32, names []string) []search.ValueCount {
		out := []search.ValueCount{}
		for i, n := range counts {
			if n > 0 {
				out = append(out, search.ValueCount{Value: names[i], Count: int(n)})
			}
		}
		slices.SortFunc(out, func(a, b search.ValueCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return strings.Compare(a.Value, b.Value)
		})
		return out[:min(len(out), search.MaxFacetValues)]
	}
	f := search.Facets{
		Categories: values(c.cats, ix.cats.names),
		Brands:     values(c.brands, ix.brands.names),
		Prices:     make([]search.RangeCount, len(search.PriceBuckets)),
		Ratings:    make([]search.RangeCount, len(search.RatingBuckets)),
		InStock:    c.inStock,
		OutOfStock: c.out,
	}
	for i, b := range search.PriceBuckets {
		f.Prices[i] = search.RangeCount{Bucket: b, Count: c.prices[i]}
	}
	// Rating buckets overlap ("4 and up" is in "3 and up"): each counts the bands at or above
	// its lower bound.
	for i, b := range search.RatingBuckets {
		f.Ratings[i].Bucket = b
		for j, o := range search.RatingBuckets {
			if b.Min == nil || (o.Min != nil && *o.Min >= *b.Min) {
				f.Ratings[i].Count += c.ratings[j]
			}
		}
	}
	return f
}

// pass is one worker's share of a query: the matches it kept, their facets, its best keys.
type pass struct {
	ix    *index
	sort  search.Sort
	f     *filter
	fc    *facetCounts // nil without facets
	after *key
	top   topN
	total int
}

func (p *pass) visit(slot int32, score float32) {
	r := &p.ix.rows[slot]
	if !p.f.keeps(p.ix, slot, r) {
		return
	}
	p.total++
	if p.fc != nil {
		p.fc.add(p.ix.categories(slot, r), r)
	}
	if p.top.n == 0 {
		return
	}
	k := key{slot: slot, score: score}
	k.k1, k.k2 = sortKey(p.sort, r, score)
	// Compare on the sort values first; the id's prefix and then the id are read only past them.
	full := len(p.top.keys) == p.top.n
	if full && (k.k1 > p.top.keys[0].k1 || (k.k1 == p.top.keys[0].k1 && k.k2 > p.top.keys[0].k2)) {
		return
	}
	prefix := &p.ix.prefixes[slot]
	k.idHi, k.idLo = prefix[0], prefix[1]
	if full && worseNumbers(&k, &p.top.keys[0]) {
		return
	}
	k.id = p.ix.docs[slot].ID
	if p.after != nil && !p.after.less(&k) {
		return
	}
	p.top.offer(k)
}

// worseNumbers reports whether a sorts after b on the numbers alone (ties are not worse).
func worseNumbers(a, b *key) bool {
	switch {
	case a.k1 != b.k1:
		return a.k1 > b.k1
	case a.k2 != b.k2:
		return a.k2 > b.k2
	case a.idHi != b.idHi:
		return a.idHi > b.idHi
	default:
		return a.idLo > b.idLo
	}
}

// merge adds another worker's pass into p.
func (p *pass) merge(o *pass) {
	p.total += o.total
	if p.fc != nil {
		p.fc.merge(o.fc)
	}
	for _, k := range o.top.keys {
		p.top.offer(k)
	}
}

// parallelFrom is how many candidates a query has before it splits them across the cores
// (a variable so that tests can run the split on the small conformance fixture).
var parallelFrom = 50_000

// search runs a normalized query over the index.
func (ix *index) search(ctx context.Context, q search.Query, after *key) (search.Result, error) {
	terms := search.Terms(q.Text)
	f := ix.filter(q.Filter)
	// The candidates: the text's matches, else a filtered category's products, else all.
	var slots []int32
	var scores []float32
	var m matched
	switch {
	case len(terms) > 0:
		m = ix.match(terms, false)
		slots, scores = m.slots, m.scores
	case f.hasCats:
		slots = ix.categorySlots(f.cats)
	}
	if err := ctx.Err(); err != nil {
		return search.Result{}, err
	}
	n := len(slots)
	if len(terms) == 0 && !f.hasCats {
		n = len(ix.rows)
	}
	newPass := func() *pass {
		p := &pass{ix: ix, sort: q.Sort, f: &f, after: after, top: topN{n: q.First + 1}} // one more tells whether a next page exists
		if !q.WithoutFacets {
			p.fc = &facetCounts{cats: make([]int32, len(ix.cats.names)), brands: make([]int32, len(ix.brands.names))}
		}
		return p
	}
	run := func(p *pass, from, to int) {
		switch {
		case scores != nil:
			for i := from; i < to; i++ {
				p.visit(slots[i], scores[i])
			}
		case slots != nil || f.hasCats:
			for i := from; i < to; i++ {
				p.visit(slots[i], 0)
			}
		default:
			for slot := from; slot < to; slot++ {
				p.visit(int32(slot), 0)
			}
		}
	}
	workers := 1
	if n >= parallelFrom {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	passes := make([]*pass, workers)
	var wg sync.WaitGroup
	for w := range workers {
		passes[w] = newPass()
		wg.Go(func() { run(passes[w], n*w/workers, n*(w+1)/workers) })
	}
	wg.Wait()
	p := passes[0]
	for _, o := range passes[1:] {
		p.merge(o)
	}

	out := search.Result{TotalCount: p.total}
	if p.fc != nil {
		out.Facets = ix.facets(p.fc)
	}
	keys := p.top.sorted()
	if len(keys) > q.First {
		keys, out.HasNextPage = keys[:q.First], true
	}
	out.Hits = make([]search.Hit, len(keys))
	for i := range keys {
		h := search.Hit{ID: keys[i].id, Cursor: q.EncodeCursor(cursorValues(&keys[i]))}
		if len(terms) > 0 {
			h.Highlights = ix.highlights(keys[i].slot, &m)
		}
		out.Hits[i] = h
	}
	return out, nil
}

// categorySlots are the slots in any of the categories, sorted, each once.
func (ix *index) categorySlots(cats []int32) []int32 {
	switch len(cats) {
	case 0:
		return []int32{}
	case 1:
		return ix.inCategory[cats[0]]
	}
	var out []int32
	for _, c := range cats {
		out = append(out, ix.inCategory[c]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// suggest returns up to limit distinct titles of matches, most reviewed first.
func (ix *index) suggest(prefix string, limit int) []string {
	terms := search.Terms(prefix)
	if len(terms) == 0 || limit <= 0 {
		return []string{}
	}
	m := ix.match(terms, true)
	// Titles repeat across products; take a few more than asked to fill limit distinct ones.
	top := topN{n: limit * 3}
	for _, slot := range m.slots {
		r := &ix.rows[slot]
		top.offer(key{k1: -float64(r.popularity), idHi: ix.prefixes[slot][0], idLo: ix.prefixes[slot][1], id: ix.docs[slot].ID, slot: slot})
	}
	out := make([]string, 0, limit)
	seen := map[string]bool{}
	for _, k := range top.sorted() {
		t := ix.docs[k.slot].Title
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == limit {
			break
		}
	}
	return out
}
