// Package subgraphs holds the four subgraphs of the gateway benchmark (accounts, inventory,
// products, reviews): fixed in-memory data, the same shape as the public federation gateway
// benchmark, served by a small GraphQL executor with a per-request-body response cache so the
// subgraphs never bound what a gateway can do.
package subgraphs

const linkFed = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
`

// SDL is each subgraph's Federation v2 schema, by name.
var SDL = map[string]string{
	"accounts": linkFed + `
type Query {
  me: User
  user(id: ID!): User
  users: [User]
}

type User @key(fields: "id") {
  id: ID!
  name: String
  username: String @shareable
  birthday: Int
}
`,
	"inventory": linkFed + `
type Product @key(fields: "upc") {
  upc: String!
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}
`,
	"products": linkFed + `
type Query {
  topProducts(first: Int = 5): [Product]
}

type Product @key(fields: "upc") {
  upc: String!
  name: String
  price: Int
  weight: Int
}
`,
	"reviews": linkFed + `
type Review @key(fields: "id") {
  id: ID!
  body: String
  product: Product
  author: User @provides(fields: "username")
}

type User @key(fields: "id") {
  id: ID!
  username: String @external
  reviews: [Review]
}

type Product @key(fields: "upc") {
  upc: String!
  reviews: [Review]
}
`,
}

// Names lists the subgraphs in the order of their ports.
var Names = []string{"accounts", "inventory", "products", "reviews"}

// Query is the deep query of the public benchmark: users and top products, their reviews,
// the reviewed products and their reviews' authors, three entity hops deep.
const Query = `fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}
`
