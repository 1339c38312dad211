package subgraphs

// The benchmark's store: six customers, nine products, eleven reviews. Every review is
// written by customer 1, as in the public benchmark, so authors repeat and dedupe matters.

type user struct {
	id, name, username string
	birthday           int
}

type product struct {
	upc, name     string
	price, weight int
	inStock       bool
}

type review struct {
	id, body, upc string
}

var users = []user{
	{"1", "Ada Lovelace", "ada", 1234567890},
	{"2", "Grace Hopper", "grace", 1234567890},
	{"3", "Edsger Dijkstra", "edsger", 1234567890},
	{"4", "Barbara Liskov", "barbara", 1234567890},
	{"5", "Donald Knuth", "donald", 1234567890},
	{"6", "Frances Allen", "frances", 1234567890},
}

var products = []product{
	{"1", "Table", 899, 100, true},
	{"2", "Couch", 1299, 1000, false},
	{"3", "Glass", 15, 20, false},
	{"4", "Chair", 499, 100, false},
	{"5", "TV", 1299, 1000, true},
	{"6", "Lamp", 6999, 300, true},
	{"7", "Grill", 3999, 2000, true},
	{"8", "Fridge", 100000, 6000, false},
	{"9", "Sofa", 9999, 800, true},
}

const (
	shortBody  = "Sturdy, arrived on time, and the finish matches the photos. Would order from this shop again."
	mediumBody = "Assembly took twenty minutes with the included tools. The instructions were clear, every part was labelled, and nothing was missing from the box. After a month of daily use it still looks new."
	longBody   = "I compared this with three similar items from other stores before buying. The price was a little higher, but the materials are noticeably better: the joints are tight, the surface resists scratches, and the colour has not faded in the sun. Delivery was tracked the whole way and the courier called ahead. When one screw turned out to be the wrong size, support sent a replacement the next day without asking for a photo or a receipt. Recommended to anyone furnishing a small flat on a budget who still wants something that lasts."
)

var reviews = []review{
	{"1", longBody, "1"},
	{"2", mediumBody, "1"},
	{"3", mediumBody, "1"},
	{"4", shortBody, "1"},
	{"5", longBody, "2"},
	{"6", mediumBody, "2"},
	{"7", mediumBody, "2"},
	{"8", shortBody, "2"},
	{"9", shortBody, "3"},
	{"10", shortBody, "4"},
	{"11", longBody + " " + longBody, "4"},
}

// authorID is who wrote every review; authorReviews are the reviews the reviews subgraph
// lists for any user (the first two, as the public benchmark does).
const authorID = "1"

var authorReviews = reviews[:2]

func findUser(id string) *user {
	for i := range users {
		if users[i].id == id {
			return &users[i]
		}
	}
	return nil
}

func findProduct(upc string) *product {
	for i := range products {
		if products[i].upc == upc {
			return &products[i]
		}
	}
	return nil
}

func findReview(id string) *review {
	for i := range reviews {
		if reviews[i].id == id {
			return &reviews[i]
		}
	}
	return nil
}

func reviewsOf(upc string) []review {
	var out []review
	for _, r := range reviews {
		if r.upc == upc {
			out = append(out, r)
		}
	}
	return out
}

// shippingEstimate is free above 1000, else half the weight; it needs price and weight,
// which inventory takes from the products subgraph through @requires.
func shippingEstimate(price, weight any) any {
	p, ok := toInt(price)
	if !ok {
		return nil
	}
	if p > 1000 {
		return 0
	}
	if w, ok := toInt(weight); ok {
		return w / 2
	}
	return nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}
