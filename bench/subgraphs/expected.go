package subgraphs

import "encoding/json"

// Expected is the response every gateway must give to Query, built from the data rather
// than recorded from a gateway, decoded the way encoding/json decodes a response.
func Expected() any {
	userOut := func(u *user, reviews []any) map[string]any {
		m := map[string]any{"id": u.id, "username": u.username, "name": u.name}
		if reviews != nil {
			m["reviews"] = reviews
		}
		return m
	}
	productOut := func(p *product) map[string]any {
		return map[string]any{
			"inStock": p.inStock, "name": p.name, "price": p.price,
			"shippingEstimate": shippingEstimate(p.price, p.weight), "upc": p.upc, "weight": p.weight,
		}
	}
	reviewOut := func(r review, extra map[string]any) map[string]any {
		m := map[string]any{"id": r.id, "body": r.body}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	// The author's own reviews, each with its product: the innermost level of both branches.
	authorReviewList := func() []any {
		var out []any
		for _, r := range authorReviews {
			out = append(out, reviewOut(r, map[string]any{"product": productOut(findProduct(r.upc))}))
		}
		return out
	}
	author := func() map[string]any { return userOut(findUser(authorID), authorReviewList()) }
	reviewsWithAuthor := func(upc string) []any {
		out := []any{} // a product without reviews has an empty list, not null
		for _, r := range reviewsOf(upc) {
			out = append(out, reviewOut(r, map[string]any{"author": author()}))
		}
		return out
	}

	var usersOut []any
	for i := range users {
		var rs []any
		for _, r := range authorReviews {
			p := productOut(findProduct(r.upc))
			p["reviews"] = reviewsWithAuthor(r.upc)
			rs = append(rs, reviewOut(r, map[string]any{"product": p}))
		}
		usersOut = append(usersOut, userOut(&users[i], rs))
	}
	var top []any
	for i := range 5 {
		p := productOut(&products[i])
		p["reviews"] = reviewsWithAuthor(products[i].upc)
		top = append(top, p)
	}
	b, err := json.Marshal(map[string]any{"data": map[string]any{"users": usersOut, "topProducts": top}})
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
