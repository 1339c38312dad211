// Package graph holds the gqlgen code generated for each subgraph, one package per domain
// (graph/<domain>). Never edit it by hand: change schema/<domain>.graphqls and run
// `go generate ./...`.
package graph

//go:generate go run ./gen
