package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// gateway is one gateway under test and how to start it in a mode.
type gateway struct {
	name    string
	version string
	// command returns the process serving POST /graphql on port, or an error saying why the
	// gateway cannot run here (not installed).
	// profile asks for the build with pprof (ShopGraph only).
	command func(dedup bool, port int, profile bool) (*exec.Cmd, error)
	note    string
}

func gateways(o options) []gateway {
	node := func(dedup bool, env ...string) []string {
		d := "0"
		if dedup {
			d = "1"
		}
		return append([]string{
			"NODE_ENV=production",
			"NODE_OPTIONS=--require ./polyfill.cjs",
			"BENCH_DEDUP=" + d,
		}, env...)
	}
	peers, _ := filepath.Abs(o.peers)
	supergraph, _ := filepath.Abs(o.supergraph)
	hiveBin := filepath.Join(peers, "node_modules/@graphql-hive/gateway/dist/bin.js")
	hive := func(env ...string) func(bool, int, bool) (*exec.Cmd, error) {
		return func(dedup bool, port int, _ bool) (*exec.Cmd, error) {
			if _, err := os.Stat(hiveBin); err != nil {
				return nil, fmt.Errorf("not installed (%s)", hiveBin)
			}
			cmd := exec.Command("node", hiveBin, "--fork", "1", "-c", "gateway.config.mjs",
				"supergraph", supergraph, "--host", "127.0.0.1", "--port", fmt.Sprint(port))
			cmd.Dir = peers
			cmd.Env = append(os.Environ(), node(dedup, env...)...)
			return cmd, nil
		}
	}
	return []gateway{
		{
			name:    "ShopGraph",
			version: shopgraphVersion(),
			command: func(dedup bool, port int, profile bool) (*exec.Cmd, error) {
				// No response cache: the peers have none, and the comparison is of planning and
				// execution (the bench subgraphs set no @cacheControl either).
				args := []string{"--supergraph", supergraph, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--response-cache=false"}
				if !dedup {
					args = append(args, "--no-dedupe")
				}
				if profile {
					return exec.Command(o.shopgraphPprof, append(args, "--pprof", pprofAddr)...), nil
				}
				return exec.Command(o.shopgraph, append([]string{"gateway"}, args...)...), nil
			},
			note: shopgraphDedupNote(),
		},
		{
			name:    "Hive Gateway",
			version: "@graphql-hive/gateway " + npmVersion(peers, "@graphql-hive/gateway"),
			command: hive(),
			note:    "dedup: inboundInflightRequestDeduplication and subgraph deduplicateInflightRequests on; no dedup: both off",
		},
		{
			name:    "Hive Gateway (Rust planner)",
			version: "@graphql-hive/router-runtime " + npmVersion(peers, "@graphql-hive/router-runtime"),
			command: hive("BENCH_PLANNER=rust"),
			note:    "Hive Gateway with unifiedGraphHandler from @graphql-hive/router-runtime; dedup as Hive Gateway",
		},
		{
			name: "Apollo Gateway",
			version: "@apollo/gateway " + npmVersion(peers, "@apollo/gateway") +
				", @apollo/server " + npmVersion(peers, "@apollo/server"),
			command: func(dedup bool, port int, _ bool) (*exec.Cmd, error) {
				script := filepath.Join(peers, "apollo.mjs")
				if _, err := os.Stat(filepath.Join(peers, "node_modules/@apollo/gateway")); err != nil {
					return nil, fmt.Errorf("not installed (%s)", peers)
				}
				cmd := exec.Command("node", script)
				cmd.Dir = peers
				cmd.Env = append(os.Environ(), node(dedup, "SUPERGRAPH="+supergraph, fmt.Sprintf("PORT=%d", port))...)
				return cmd, nil
			},
			note: "no in-flight dedupe of client requests or subgraph fetches in Apollo Gateway: both modes run the same configuration",
		},
	}
}

func npmVersion(dir, pkg string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", pkg, "package.json"))
	if err != nil {
		return "not installed"
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil {
		return "?"
	}
	return p.Version
}

func shopgraphVersion() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "working tree"
	}
	v := "commit " + strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", "gateway", "cmd").Output(); err == nil && len(st) > 0 {
		v += " + uncommitted gateway changes"
	}
	return v
}

// shopgraphDedupNote says what ShopGraph's dedup mode covers in the source being built.
func shopgraphDedupNote() string {
	if _, err := os.Stat("gateway/server/inbound.go"); err == nil {
		return "dedup: the default, in-flight dedupe of identical client queries from the same caller and of identical subgraph fetches; no dedup: `--no-dedupe` turns both off"
	}
	return "dedup mode dedupes identical in-flight subgraph fetches only: this build has no in-flight dedupe of identical client requests"
}
