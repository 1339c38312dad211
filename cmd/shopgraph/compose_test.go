package main

import (
	"os"
	"testing"
)

// TestSupergraphIsCurrent fails when a subgraph's SDL changed without `shopgraph compose`.
func TestSupergraphIsCurrent(t *testing.T) {
	want, err := composeSupergraph("http://" + defaultListenAddr)
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	got, err := os.ReadFile("../../" + supergraphFile)
	if err != nil {
		t.Fatalf("read %s: %v (run `make compose`)", supergraphFile, err)
	}
	if string(got) != want {
		t.Fatalf("%s is stale: run `make compose`", supergraphFile)
	}
}
