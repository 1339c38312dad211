package bleve

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

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
	fieldPopularity  = "popularity"
	fieldInStock     = "in_stock"
	fieldCreated     = "created"
	// fieldQuality holds markers of the popularity and rating signals, as words so that the
	// relevance boost they give scores like a matched word (a numeric range scores next to
	// nothing): qualityRated for an average of 4 or more, qualityReviewed for 5 reviews or more.
	fieldQuality    = "quality"
	qualityRated    = "rated"
	qualityReviewed = "reviewed"
)

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
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
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
	doc.AddFieldMappingsAt(fieldPopularity, num())
	doc.AddFieldMappingsAt(fieldCreated, num())
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
		fieldTitle:       d.Title,
		fieldDescription: d.Description,
		fieldCategory:    d.CategoryPath,
		fieldCurrency:    d.Currency,
		fieldPrice:       float64(d.PriceMin),
		fieldRating:      d.Rating,
		fieldPopularity:  float64(d.ReviewCount),
		fieldInStock:     d.InStock,
		// Milliseconds fit a float64 exactly, which nanoseconds would not.
		fieldCreated: float64(d.CreatedAt.UnixMilli()),
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
