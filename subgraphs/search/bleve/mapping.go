package bleve

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Field names of a document in the index.
const (
	fieldTitle       = "title"
	fieldDescription = "description"
	fieldBrandName   = "brand_name"
	fieldBrandID     = "brand_id"
	fieldCategory    = "category_path"
	fieldPrice       = "price"
	fieldCurrency    = "currency"
	fieldRating      = "rating"
	fieldInStock     = "in_stock"
	// fieldQuality holds markers of the popularity and rating signals, as words so that the
	// relevance boost they give scores like a matched word (a numeric range scores next to
	// nothing): qualityRated for an average of 4 or more, qualityReviewed for 5 reviews or more.
	fieldQuality    = "quality"
	qualityRated    = "rated"
	qualityReviewed = "reviewed"

	// Sort keys and facet buckets: one keyword term per document each, kept in doc values.
	// A Bleve numeric field keeps 16 terms per value in its doc values (one per precision
	// shift), and sorting and facet counting visit every one of them for every match; a single
	// term per field makes that read a quarter as long. The numeric fields remain for ranges.
	fieldSortPrice      = "sort_price"
	fieldSortRating     = "sort_rating"
	fieldSortPopularity = "sort_popularity"
	fieldSortCreated    = "sort_created"
	fieldPriceBucket    = "price_bucket" // the name of the search.PriceBuckets range holding the price
	// fieldRatingBand is the name of the narrowest search.RatingBuckets range holding the
	// rating; the overlapping "and up" counts are summed from the bands (one term per document).
	fieldRatingBand = "rating_band"
)

// mappingVersion names the fields an index holds. Open starts an empty index (rebuilt by the
// indexer) when the one on disk was made with another version.
const mappingVersion = "3"

var internalMappingVersion = []byte("shopgraph-mapping-version")

// wordsAnalyzer splits and lowercases like search.Terms and keeps stop words: a query term
// is looked up as is, so the index must hold every word a query can carry.
const wordsAnalyzer = "words"

func indexMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(wordsAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = wordsAnalyzer
		f.Store = store
		f.IncludeTermVectors = store // highlighting needs the term positions
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		return f
	}
	// Numeric fields serve range filters only: sorts and facets read the keyword fields.
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldTitle, text(true))
	doc.AddFieldMappingsAt(fieldDescription, text(true))
	doc.AddFieldMappingsAt(fieldBrandName, text(false))
	doc.AddFieldMappingsAt(fieldBrandID, kw())
	doc.AddFieldMappingsAt(fieldCategory, kw())
	currency := kw()
	currency.DocValues = false
	doc.AddFieldMappingsAt(fieldCurrency, currency)
	doc.AddFieldMappingsAt(fieldPrice, num())
	doc.AddFieldMappingsAt(fieldRating, num())
	for _, f := range []string{fieldSortPrice, fieldSortRating, fieldSortPopularity, fieldSortCreated, fieldPriceBucket, fieldRatingBand} {
		doc.AddFieldMappingsAt(f, kw())
	}
	quality := kw()
	quality.DocValues = false
	doc.AddFieldMappingsAt(fieldQuality, quality)
	stock := bleve.NewBooleanFieldMapping()
	stock.Store = false
	stock.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldInStock, stock)
	im.DefaultMapping = doc
	im.DefaultAnalyzer = wordsAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// fields is the document as the mapping reads it.
func fields(d search.Document) map[string]any {
	m := map[string]any{
		fieldTitle:          d.Title,
		fieldDescription:    d.Description,
		fieldCategory:       d.CategoryPath,
		fieldCurrency:       d.Currency,
		fieldPrice:          float64(d.PriceMin),
		fieldRating:         d.Rating,
		fieldInStock:        d.InStock,
		fieldSortPrice:      sortKey(float64(d.PriceMin)),
		fieldSortRating:     sortKey(d.Rating),
		fieldSortPopularity: sortKey(float64(d.ReviewCount)),
		// Milliseconds fit a float64 exactly, which nanoseconds would not.
		fieldSortCreated: sortKey(float64(d.CreatedAt.UnixMilli())),
	}
	if p := bucketNames(search.PriceBuckets, float64(d.PriceMin)); len(p) > 0 {
		m[fieldPriceBucket] = p[0]
	}
	if r := bucketNames(search.RatingBuckets, d.Rating); len(r) > 0 {
		m[fieldRatingBand] = r[0]
	}
	var quality []string
	if d.Rating >= 4 {
		quality = append(quality, qualityRated)
	}
	if d.ReviewCount >= 5 {
		quality = append(quality, qualityReviewed)
	}
	if quality != nil {
		m[fieldQuality] = quality
	}
	if d.BrandID != "" {
		m[fieldBrandID] = d.BrandID
		m[fieldBrandName] = d.BrandName
	}
	return m
}

// sortKey encodes v so that byte order is numeric order: the term Bleve itself sorts a
// numeric field by (full precision, prefix coded).
func sortKey(v float64) string {
	return string(numeric.MustNewPrefixCodedInt64(numeric.Float64ToInt64(v), 0))
}

// bucketNames are the names of the buckets holding v, in their order.
func bucketNames(buckets []search.Bucket, v float64) []string {
	var out []string
	for _, b := range buckets {
		if (b.Min == nil || v >= *b.Min) && (b.Max == nil || v < *b.Max) {
			out = append(out, b.Name)
		}
	}
	return out
}
