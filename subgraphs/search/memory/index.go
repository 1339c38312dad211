package memory

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Text fields, in the order of textBoosts.
const (
	fieldTitle = iota
	fieldBrand
	fieldDescription
	textFields
)

// textBoosts weigh a word found in the title over one in the brand name over one in the
// description; an exact word scores twice its corrected form (exactBoost).
var textBoosts = [textFields]float32{3, 2, 1}

const (
	exactBoost = 2
	// signalBoost is added for each of an average rating of 4 or more and 5 reviews or more:
	// less than any matched word, so it orders like matches without overturning a better one.
	signalBoost = 0.5
)

// row is what a query reads of a product for every match: filters, sort keys and facets.
// The text lives apart (docs) and is read only for the page's highlights.
type row struct {
	price      int64
	created    int64 // unix milliseconds
	rating     float64
	popularity int32 // review count
	brand      int32 // index into brands.names, -1 without a brand
	signal     float32
	// The category path, root first, held in the row (a scan touches no other memory) unless
	// it is deeper than inlineCats: then ncats is deepPath and the path is in index.deepCats.
	cats       [inlineCats]int32
	ncats      uint8
	priceBand  int8 // index into search.PriceBuckets, -1 outside all
	ratingBand int8 // index into search.RatingBuckets of the narrowest holding the rating, -1 below all
	inStock    bool
	live       bool
}

// A row is one cache line: a scan of a million rows reads 64 MB.
const (
	inlineCats = 4
	deepPath   = 0xff
)

// categories is the category path of the row at slot.
func (ix *index) categories(slot int32, r *row) []int32 {
	if r.ncats == deepPath {
		return ix.deepCats[slot]
	}
	return r.cats[:r.ncats]
}

// dict numbers the values of a keyword field.
type dict struct {
	ids   map[string]int32
	names []string
}

func (d *dict) id(name string) int32 {
	if id, ok := d.ids[name]; ok {
		return id
	}
	if d.ids == nil {
		d.ids = map[string]int32{}
	}
	id := int32(len(d.names))
	d.ids[name] = id
	d.names = append(d.names, name)
	return id
}

// index is one generation of the product index: rows by slot, an inverted index of the text
// fields (sorted slot lists per word), and the documents for highlights and snapshots.
type index struct {
	rows     []row
	prefixes [][2]uint64       // by slot: the id's first 16 bytes (idPrefix), which break sort ties
	deepCats map[int32][]int32 // category paths longer than inlineCats, by slot
	docs     []search.Document
	slots    map[string]int32 // product id → slot
	free     []int32          // slots of deleted products, reused
	postings [textFields]map[string][]int32
	// inCategory lists the slots of each category's products, its descendants' included:
	// a category filter reads its list instead of every row.
	inCategory map[int32][]int32
	brands     dict
	cats       dict
}

func newIndex() *index {
	ix := &index{slots: map[string]int32{}, inCategory: map[int32][]int32{}, deepCats: map[int32][]int32{}}
	for f := range ix.postings {
		ix.postings[f] = map[string][]int32{}
	}
	return ix
}

func (ix *index) len() int { return len(ix.slots) }

// words splits like search.Terms (lowercase runs of letters and digits) without its cap on the
// number of words, each word once.
func words(text string) []string {
	ws := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	slices.Sort(ws)
	return slices.Compact(ws)
}

func fieldText(d *search.Document, f int) string {
	switch f {
	case fieldTitle:
		return d.Title
	case fieldBrand:
		return d.BrandName
	default:
		return d.Description
	}
}

func (ix *index) upsert(d search.Document) {
	slot, ok := ix.slots[d.ID]
	switch {
	case ok:
		ix.unpost(slot)
	case len(ix.free) > 0:
		slot = ix.free[len(ix.free)-1]
		ix.free = ix.free[:len(ix.free)-1]
	default:
		slot = int32(len(ix.rows))
		ix.rows = append(ix.rows, row{})
		ix.prefixes = append(ix.prefixes, [2]uint64{})
		ix.docs = append(ix.docs, search.Document{})
	}
	ix.slots[d.ID] = slot
	ix.docs[slot] = d
	ix.rows[slot] = ix.row(slot, d)
	hi, lo := idPrefix(d.ID)
	ix.prefixes[slot] = [2]uint64{hi, lo}
	for _, c := range ix.categories(slot, &ix.rows[slot]) {
		ix.inCategory[c] = insertSlot(ix.inCategory[c], slot)
	}
	for f := range ix.postings {
		for _, w := range words(fieldText(&d, f)) {
			ix.postings[f][w] = insertSlot(ix.postings[f][w], slot)
		}
	}
}

func (ix *index) remove(id string) {
	slot, ok := ix.slots[id]
	if !ok {
		return
	}
	ix.unpost(slot)
	delete(ix.slots, id)
	ix.rows[slot] = row{}
	delete(ix.deepCats, slot)
	ix.docs[slot] = search.Document{}
	ix.free = append(ix.free, slot)
}

// insertSlot adds slot to a sorted slot list (at the end, in a bulk load).
func insertSlot(p []int32, slot int32) []int32 {
	if len(p) == 0 || p[len(p)-1] < slot {
		return append(p, slot)
	}
	i, found := slices.BinarySearch(p, slot)
	if found {
		return p
	}
	return slices.Insert(p, i, slot)
}

// removeSlot takes slot out of a sorted slot list.
func removeSlot(p []int32, slot int32) []int32 {
	if i, found := slices.BinarySearch(p, slot); found {
		return slices.Delete(p, i, i+1)
	}
	return p
}

// unpost takes slot out of the posting lists of its document's words and categories.
func (ix *index) unpost(slot int32) {
	for _, c := range ix.categories(slot, &ix.rows[slot]) {
		if p := removeSlot(ix.inCategory[c], slot); len(p) > 0 {
			ix.inCategory[c] = p
		} else {
			delete(ix.inCategory, c)
		}
	}
	d := &ix.docs[slot]
	for f := range ix.postings {
		for _, w := range words(fieldText(d, f)) {
			p := removeSlot(ix.postings[f][w], slot)
			if len(p) == 0 {
				delete(ix.postings[f], w)
			} else {
				ix.postings[f][w] = p
			}
		}
	}
}

func (ix *index) row(slot int32, d search.Document) row {
	r := row{
		price:      d.PriceMin,
		created:    d.CreatedAt.UnixMilli(),
		rating:     d.Rating,
		popularity: int32(min(d.ReviewCount, 1<<31-1)),
		brand:      -1,
		priceBand:  band(search.PriceBuckets, float64(d.PriceMin)),
		ratingBand: band(search.RatingBuckets, d.Rating),
		inStock:    d.InStock,
		live:       true,
	}
	if d.BrandID != "" {
		r.brand = ix.brands.id(d.BrandID)
	}
	delete(ix.deepCats, slot)
	if len(d.CategoryPath) > inlineCats {
		r.ncats = deepPath
		path := make([]int32, len(d.CategoryPath))
		for i, c := range d.CategoryPath {
			path[i] = ix.cats.id(c)
		}
		ix.deepCats[slot] = path
	} else {
		for i, c := range d.CategoryPath {
			r.cats[i] = ix.cats.id(c)
		}
		r.ncats = uint8(len(d.CategoryPath))
	}
	if d.Rating >= 4 {
		r.signal += signalBoost
	}
	if d.ReviewCount >= 5 {
		r.signal += signalBoost
	}
	return r
}

// band is the first bucket holding v (for the "and up" rating buckets, listed highest first,
// the narrowest), -1 when none does.
func band(buckets []search.Bucket, v float64) int8 {
	for i, b := range buckets {
		if (b.Min == nil || v >= *b.Min) && (b.Max == nil || v < *b.Max) {
			return int8(i)
		}
	}
	return -1
}

// idPrefix packs the first 16 bytes of id, zero-padded, so that comparing the numbers orders
// like comparing the strings, up to a tie.
func idPrefix(id string) (hi, lo uint64) {
	var b [16]byte
	copy(b[:], id)
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}
