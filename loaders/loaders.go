// Package loaders holds the per-request dataloaders of every subgraph, one file per domain.
// A subgraph's handler installs fresh loaders in each request's context, so a GraphQL
// selection that touches many entities of one type costs one batched query per type instead
// of one query per entity, and nothing is cached across requests.
package loaders
