package subgraphs

import "fmt"

// object is a value of a GraphQL object type: its __typename and its fields' resolvers.
type object interface {
	typename() string
	resolve(field string, args map[string]any) any
}

// root answers a subgraph's Query fields, adding the federation ones (_service, _entities).
type root struct {
	name     string
	query    func(field string, args map[string]any) any
	entity   func(rep map[string]any) any
	sdlValue string
}

func (r *root) typename() string { return "Query" }

func (r *root) resolve(field string, args map[string]any) any {
	switch field {
	case "_service":
		return service{r.sdlValue}
	case "_entities":
		reps, _ := args["representations"].([]any)
		out := make([]any, len(reps))
		for i, rep := range reps {
			if m, ok := rep.(map[string]any); ok {
				out[i] = r.entity(m)
			}
		}
		return out
	}
	if r.query == nil {
		return nil
	}
	return r.query(field, args)
}

type service struct{ sdl string }

func (service) typename() string { return "_Service" }
func (s service) resolve(field string, _ map[string]any) any {
	if field == "sdl" {
		return s.sdl
	}
	return nil
}

func newRoot(name string) (*root, error) {
	r := &root{name: name, sdlValue: SDL[name]}
	switch name {
	case "accounts":
		r.query, r.entity = accountsQuery, accountsEntity
	case "inventory":
		r.entity = inventoryEntity
	case "products":
		r.query, r.entity = productsQuery, productsEntity
	case "reviews":
		r.entity = reviewsEntity
	default:
		return nil, fmt.Errorf("subgraphs: no subgraph %q", name)
	}
	return r, nil
}

// accounts

type accountsUser struct{ *user }

func (accountsUser) typename() string { return "User" }
func (u accountsUser) resolve(field string, _ map[string]any) any {
	switch field {
	case "id":
		return u.id
	case "name":
		return u.name
	case "username":
		return u.username
	case "birthday":
		return u.birthday
	}
	return nil
}

func accountsUserByID(id any) any {
	s, _ := id.(string)
	if u := findUser(s); u != nil {
		return accountsUser{u}
	}
	return nil
}

func accountsQuery(field string, args map[string]any) any {
	switch field {
	case "me":
		return accountsUser{&users[0]}
	case "user":
		return accountsUserByID(args["id"])
	case "users":
		out := make([]any, len(users))
		for i := range users {
			out[i] = accountsUser{&users[i]}
		}
		return out
	}
	return nil
}

func accountsEntity(rep map[string]any) any {
	if rep["__typename"] == "User" {
		return accountsUserByID(rep["id"])
	}
	return nil
}

// inventory

type inventoryProduct struct {
	*product
	price, weight any // from the representation (@external, @requires)
}

func (inventoryProduct) typename() string { return "Product" }
func (p inventoryProduct) resolve(field string, _ map[string]any) any {
	switch field {
	case "upc":
		return p.upc
	case "inStock":
		return p.inStock
	case "shippingEstimate":
		return shippingEstimate(p.price, p.weight)
	case "price":
		return jsonInt(p.price)
	case "weight":
		return jsonInt(p.weight)
	}
	return nil
}

func inventoryEntity(rep map[string]any) any {
	if rep["__typename"] != "Product" {
		return nil
	}
	upc, _ := rep["upc"].(string)
	p := findProduct(upc)
	if p == nil {
		return nil
	}
	return inventoryProduct{product: p, price: rep["price"], weight: rep["weight"]}
}

func jsonInt(v any) any {
	if n, ok := toInt(v); ok {
		return n
	}
	return nil
}

// products

type catalogProduct struct{ *product }

func (catalogProduct) typename() string { return "Product" }
func (p catalogProduct) resolve(field string, _ map[string]any) any {
	switch field {
	case "upc":
		return p.upc
	case "name":
		return p.name
	case "price":
		return p.price
	case "weight":
		return p.weight
	}
	return nil
}

func productsQuery(field string, args map[string]any) any {
	if field != "topProducts" {
		return nil
	}
	first := 5
	if n, ok := toInt(args["first"]); ok {
		first = n
	}
	first = max(0, min(first, len(products)))
	out := make([]any, first)
	for i := range out {
		out[i] = catalogProduct{&products[i]}
	}
	return out
}

func productsEntity(rep map[string]any) any {
	if rep["__typename"] != "Product" {
		return nil
	}
	upc, _ := rep["upc"].(string)
	if p := findProduct(upc); p != nil {
		return catalogProduct{p}
	}
	return nil
}

// reviews

type reviewObject struct{ *review }

func (reviewObject) typename() string { return "Review" }
func (r reviewObject) resolve(field string, _ map[string]any) any {
	switch field {
	case "id":
		return r.id
	case "body":
		return r.body
	case "product":
		return reviewsProduct{r.upc}
	case "author":
		return reviewsUser{id: authorID, username: users[0].username}
	}
	return nil
}

type reviewsUser struct{ id, username string }

func (reviewsUser) typename() string { return "User" }
func (u reviewsUser) resolve(field string, _ map[string]any) any {
	switch field {
	case "id":
		return u.id
	case "username":
		return u.username
	case "reviews":
		return reviewList(authorReviews)
	}
	return nil
}

type reviewsProduct struct{ upc string }

func (reviewsProduct) typename() string { return "Product" }
func (p reviewsProduct) resolve(field string, _ map[string]any) any {
	switch field {
	case "upc":
		return p.upc
	case "reviews":
		return reviewList(reviewsOf(p.upc))
	}
	return nil
}

func reviewList(rs []review) []any {
	out := make([]any, len(rs))
	for i := range rs {
		out[i] = reviewObject{&rs[i]}
	}
	return out
}

func reviewsEntity(rep map[string]any) any {
	switch rep["__typename"] {
	case "Review":
		id, _ := rep["id"].(string)
		if r := findReview(id); r != nil {
			return reviewObject{r}
		}
	case "User":
		id, _ := rep["id"].(string)
		if u := findUser(id); u != nil {
			return reviewsUser{id: u.id, username: u.username}
		}
	case "Product":
		upc, _ := rep["upc"].(string)
		return reviewsProduct{upc}
	}
	return nil
}
