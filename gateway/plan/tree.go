package plan

import (
	"fmt"
	"strings"
)

// Node is a step of the plan in the usual federation vocabulary: Fetch,
// Flatten (an entity fetch at a path), Parallel and Sequence. The executor
// runs the fetch DAG directly, which is at least as parallel as this tree;
// the tree is for people reading plans.
type Node interface {
	write(b *strings.Builder, indent int)
}

// FetchNode asks a subgraph for root fields.
type FetchNode struct{ Fetch *Fetch }

// FlattenNode runs an entity fetch for the objects found at Path.
type FlattenNode struct {
	Path  string
	Fetch *Fetch
}

// ParallelNode runs its steps concurrently.
type ParallelNode struct{ Nodes []Node }

// SequenceNode runs its steps one after another.
type SequenceNode struct{ Nodes []Node }

// Tree groups the fetches into waves: each wave holds the fetches whose
// dependencies are all in earlier waves.
func (p *Plan) Tree() Node {
	level := make([]int, len(p.Fetches))
	waves := 0
	for _, f := range p.Fetches {
		for _, d := range f.DependsOn {
			if level[d]+1 > level[f.ID] {
				level[f.ID] = level[d] + 1
			}
		}
		if level[f.ID]+1 > waves {
			waves = level[f.ID] + 1
		}
	}
	seq := &SequenceNode{}
	for w := 0; w < waves; w++ {
		par := &ParallelNode{}
		for _, f := range p.Fetches {
			if level[f.ID] != w {
				continue
			}
			if f.Entity {
				par.Nodes = append(par.Nodes, &FlattenNode{Path: targetPaths(f), Fetch: f})
			} else {
				par.Nodes = append(par.Nodes, &FetchNode{Fetch: f})
			}
		}
		if len(par.Nodes) == 1 {
			seq.Nodes = append(seq.Nodes, par.Nodes[0])
		} else {
			seq.Nodes = append(seq.Nodes, par)
		}
	}
	if len(seq.Nodes) == 1 {
		return seq.Nodes[0]
	}
	return seq
}

// FormatTree prints a plan tree.
func FormatTree(n Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

func pad(b *strings.Builder, indent int) { b.WriteString(strings.Repeat("  ", indent)) }

func (n *FetchNode) write(b *strings.Builder, indent int) {
	pad(b, indent)
	fmt.Fprintf(b, "Fetch(%s) %s\n", n.Fetch.Subgraph, n.Fetch.Query)
}

func (n *FlattenNode) write(b *strings.Builder, indent int) {
	pad(b, indent)
	fmt.Fprintf(b, "Flatten(%s) Fetch(%s) %s\n", n.Path, n.Fetch.Subgraph, n.Fetch.Query)
}

func (n *ParallelNode) write(b *strings.Builder, indent int) {
	pad(b, indent)
	b.WriteString("Parallel {\n")
	for _, c := range n.Nodes {
		c.write(b, indent+1)
	}
	pad(b, indent)
	b.WriteString("}\n")
}

func (n *SequenceNode) write(b *strings.Builder, indent int) {
	pad(b, indent)
	b.WriteString("Sequence {\n")
	for _, c := range n.Nodes {
		c.write(b, indent+1)
	}
	pad(b, indent)
	b.WriteString("}\n")
}
