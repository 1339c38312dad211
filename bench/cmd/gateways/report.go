package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/shopgraph/shopgraph/bench/chart"
	"github.com/shopgraph/shopgraph/bench/load"
)

const section = "## Gateways side by side"

type ceiling struct {
	name string
	res  load.Result
}

type row struct {
	gateway, version, note string
	dedup                  bool
	res                    load.Result
	subgraphs              subgraphLoad
	err                    error
	runs                   int // runs behind this row (the median of them)
	rpsMin, rpsMax         float64
}

// rps is the RPS, with the range over the runs when there were several.
func (r row) rps() string {
	if r.runs < 2 {
		return thousands(r.res.RPS)
	}
	return fmt.Sprintf("%s (%s–%s)", thousands(r.res.RPS), thousands(r.rpsMin), thousands(r.rpsMax))
}

func (r row) mode() string {
	if r.dedup {
		return "dedup"
	}
	return "no dedup"
}

type report struct {
	started, finished     time.Time
	loadBefore, loadAfter string
	opts                  options
	ceilings              []ceiling
	rows                  []row
	pinned                bool
	profiles              []profileSummary
}

func (rep report) table() string {
	var b strings.Builder
	b.WriteString("| gateway | mode | RPS | p50 | p95 | p99 | errors | peak CPU | peak RSS | gateway CPU / request | subgraph fetches / request | subgraph CPU / request |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.rows {
		if r.err != nil {
			fmt.Fprintf(&b, "| %s | %s | skipped: %s | | | | | | | | | |\n", r.gateway, r.mode(), oneLine(r.err.Error(), 160))
			continue
		}
		n := float64(max(r.res.Requests, 1))
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d | %.0f %% | %s | %s | %.1f | %s |\n",
			r.gateway, r.mode(), r.rps(), ms(r.res.P50), ms(r.res.P95), ms(r.res.P99),
			r.res.Errors, r.res.PeakCPU, mb(r.res.PeakRSS), us(r.res.CPUPerRequest()),
			float64(r.subgraphs.fetches)/n, us(time.Duration(r.subgraphs.cpuSeconds/n*float64(time.Second))))
	}
	return b.String()
}

// ratios is ShopGraph's RPS over each peer's, mode by mode.
func (rep report) ratios() string {
	var b strings.Builder
	for _, dedup := range []bool{true, false} {
		ours, ok := rep.find("ShopGraph", dedup)
		if !ok {
			continue
		}
		var parts []string
		for _, r := range rep.rows {
			if r.gateway == "ShopGraph" || r.dedup != dedup || r.err != nil || r.res.RPS == 0 {
				continue
			}
			parts = append(parts, fmt.Sprintf("%.1f× %s", ours.res.RPS/r.res.RPS, r.gateway))
		}
		if len(parts) > 0 {
			mode := "no dedup"
			if dedup {
				mode = "dedup"
			}
			fmt.Fprintf(&b, "\nShopGraph RPS, %s: %s\n", mode, strings.Join(parts, ", "))
		}
	}
	return b.String()
}

func (rep report) find(name string, dedup bool) (row, bool) {
	for _, r := range rep.rows {
		if r.gateway == name && r.dedup == dedup && r.err == nil {
			return r, true
		}
	}
	return row{}, false
}

func (rep report) ceilingTable() string {
	var b strings.Builder
	b.WriteString("| subgraph | RPS alone | p50 | p99 | subgraph CPU / request |\n|---|--:|--:|--:|--:|\n")
	for _, c := range rep.ceilings {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.name, thousands(c.res.RPS), ms(c.res.P50), ms(c.res.P99), us(c.res.CPUPerRequest()))
	}
	return b.String()
}

// cpuComparison sets the gateway's CPU per client request beside the subgraphs' CPU for the
// same request: with the subgraphs on a core of their own, 1 s / their CPU per request is the
// most requests per second any gateway could be served.
func (rep report) cpuComparison() string {
	var b strings.Builder
	for _, r := range rep.rows {
		if r.err != nil || r.res.Requests == 0 {
			continue
		}
		n := float64(r.res.Requests)
		sub := r.subgraphs.cpuSeconds / n
		gw := r.res.CPUSeconds / n
		ceil := "n/a"
		if sub > 0 {
			ceil = thousands(1/sub) + " RPS"
		}
		ratio := "n/a"
		if sub > 0 {
			ratio = fmt.Sprintf("%.1f×", gw/sub)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.gateway, r.mode(),
			us(time.Duration(gw*float64(time.Second))), us(time.Duration(sub*float64(time.Second))), ratio, ceil)
	}
	if b.Len() == 0 {
		return ""
	}
	return "| gateway | mode | gateway CPU / request | subgraphs' CPU / request | gateway ÷ subgraphs | subgraph ceiling (1 core) |\n|---|---|--:|--:|--:|--:|\n" + b.String()
}

func (rep report) section() string {
	o := rep.opts
	var b strings.Builder
	b.WriteString(section + "\n\n")
	b.WriteString("The deep query of the public federation gateway benchmark (users and top products, their\n" +
		"reviews, the reviewed products, their reviews' authors and the authors' reviews: three\n" +
		"entity hops, `@requires` on price and weight, `@provides` on the author's username) through\n" +
		"each gateway over the same four Go subgraphs (`bench/subgraphs`, fixed in-memory data, a\n" +
		"per-request-body response cache). Every response is checked: status 200, no `errors`, the\n" +
		"first one equal to the expected JSON built from the data, every later one the same length.\n\n")
	fmt.Fprintf(&b, "- Command: `make bench-gateways` (flags through `BENCH_FLAGS`, e.g. `BENCH_FLAGS='-d 5s -only ShopGraph'`)\n")
	fmt.Fprintf(&b, "- Date: %s to %s UTC\n", rep.started.Format("2006-01-02 15:04"), rep.finished.Format("15:04"))
	fmt.Fprintf(&b, "- Machine: %s, %d CPUs, %s; %s\n", cpuModel(), onlineCPUs(), memTotal(), goAndNode())
	fmt.Fprintf(&b, "- Load average (1, 5, 15 min) before: %s, after: %s. The machine is shared with other\n  engineers' test runs, so the numbers are noisy; compare ratios rather than absolutes.\n", rep.loadBefore, rep.loadAfter)
	pin := "gateway pinned to CPU 1, subgraphs and load generator to CPU 0 (`taskset`)"
	if !rep.pinned {
		pin = "no CPU pinning (taskset or a second CPU missing)"
	}
	fmt.Fprintf(&b, "- Load: %d concurrent keep-alive clients (raw HTTP/1.1, one prebuilt request each, as wrk), %s warm-up, %s measured per run; %s\n", o.concurrency, o.warmup, o.duration, pin)
	var loadCPU []string
	for _, r := range rep.rows {
		if r.err == nil {
			loadCPU = append(loadCPU, fmt.Sprintf("%s (%s) %s", r.gateway, r.mode(), us(r.res.LoadCPUPerRequest())))
		}
	}
	if len(loadCPU) > 0 {
		fmt.Fprintf(&b, "- Load generator CPU per client request (on CPU 0, beside the subgraphs): %s\n", strings.Join(loadCPU, ", "))
	}
	if o.runs > 1 {
		fmt.Fprintf(&b, "- %d runs of each gateway and mode, in rounds; each row is the median run by RPS, with the RPS range of the runs in brackets and the errors of all runs\n", o.runs)
	}
	b.WriteString("- Versions:\n")
	seen := map[string]bool{}
	for _, r := range rep.rows {
		if !seen[r.gateway] {
			seen[r.gateway] = true
			fmt.Fprintf(&b, "  - %s: %s\n", r.gateway, r.version)
		}
	}
	b.WriteString("\n" + rep.table())
	b.WriteString(strings.ReplaceAll(rep.ratios(), "\nShopGraph", "\n- ShopGraph"))
	b.WriteString(rep.targets())
	for _, r := range rep.rows {
		if r.err == nil && r.res.PeakCPU < 85 {
			fmt.Fprintf(&b, "- %s (%s) peaked at %.0f %% of its core: not CPU-bound; it waited on something else (CPU 0's load generator and subgraphs, other processes on the shared machine, or in dedup the one shared execution).\n", r.gateway, r.mode(), r.res.PeakCPU)
		}
	}
	b.WriteString("\n![Gateways side by side](benchmarks-gateways.png)\n\n")
	b.WriteString("Modes: **dedup** is each gateway's in-flight deduplication as shipped and as the public\n" +
		"benchmark runs it; **no dedup** executes every client request and every subgraph fetch.\n")
	seen = map[string]bool{}
	for _, r := range rep.rows {
		if !seen[r.gateway] && r.note != "" {
			seen[r.gateway] = true
			fmt.Fprintf(&b, "- %s: %s.\n", r.gateway, r.note)
		}
	}
	b.WriteString("\n### Subgraph ceiling\n\nEach subgraph alone, the load generator straight at it with a request like the ones the\n" +
		"gateways send it (" + o.ceiling.String() + " per subgraph, same clients):\n\n")
	b.WriteString(rep.ceilingTable())
	b.WriteString("\nCPU per client request, the gateway's against the subgraphs' own for the same request\n" +
		"(measured over each run's window from /proc). The subgraphs' figure is the ceiling no gateway\n" +
		"can pass: with a core to themselves they could serve at most 1 s ÷ that many requests a second.\n\n")
	b.WriteString(rep.cpuComparison())
	b.WriteString("\n" + notesOpen + "\n" + notesClose + "\n")
	for _, p := range rep.profiles {
		mode := row{dedup: p.dedup}.mode()
		fmt.Fprintf(&b, "\n### Where ShopGraph's time goes (%s)\n\n", mode)
		fmt.Fprintf(&b, "A separate run of the same load on `bench/cmd/gateway-pprof` (the same gateway with\n"+
			"net/http/pprof), not counted in the table. `go tool pprof -top %s`:\n\n```\n%s\n```\n\n", p.cpuPath, p.cpu)
		fmt.Fprintf(&b, "The gateway's own functions by cumulative time, `go tool pprof -top -cum -show=shopgraph/shopgraph/gateway`:\n\n```\n%s\n```\n\n", p.ours)
		fmt.Fprintf(&b, "Allocations, `go tool pprof -top -sample_index=alloc_space %s`:\n\n```\n%s\n```\n", p.allocsPath, p.allocs)
	}
	return b.String()
}

// targets checks issue 7's targets for ShopGraph: RPS of 8× Hive Gateway without dedup and 6×
// with it, a lower p95 than every peer, no errors, peak RSS under 150 MB.
func (rep report) targets() string {
	var b strings.Builder
	b.WriteString("\nTargets (issue 7):\n")
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	for _, dedup := range []bool{false, true} {
		ours, ok := rep.find("ShopGraph", dedup)
		if !ok {
			continue
		}
		want := 8.0
		if dedup {
			want = 6.0
		}
		if hive, ok := rep.find("Hive Gateway", dedup); ok && hive.res.RPS > 0 {
			got := ours.res.RPS / hive.res.RPS
			fmt.Fprintf(&b, "- %s: RPS ≥ %.0f× Hive Gateway: %.1f×, %s\n", ours.mode(), want, got, check(got >= want))
		}
		worst := ""
		for _, r := range rep.rows {
			if r.gateway != "ShopGraph" && r.dedup == dedup && r.err == nil && r.res.P95 <= ours.res.P95 {
				worst = r.gateway
			}
		}
		fmt.Fprintf(&b, "- %s: lower p95 than every peer: %s", ours.mode(), check(worst == ""))
		if worst != "" {
			fmt.Fprintf(&b, " (%s is as fast or faster)", worst)
		}
		fmt.Fprintf(&b, "; no errors: %s; peak RSS under 150 MB: %s (%s)\n",
			check(ours.res.Errors == 0), check(ours.res.PeakRSS < 150<<20), mb(ours.res.PeakRSS))
		for _, r := range rep.rows {
			if r.gateway == "Hive Gateway (Rust planner)" && r.dedup == dedup && r.err == nil && r.res.Requests > 0 && ours.res.Requests > 0 {
				fmt.Fprintf(&b, "- %s: ShopGraph sends %.1f subgraph fetches per client request, Hive Gateway with the Rust planner %.1f\n",
					ours.mode(), float64(ours.subgraphs.fetches)/float64(ours.res.Requests), float64(r.subgraphs.fetches)/float64(r.res.Requests))
			}
		}
	}
	return b.String()
}

const notesOpen, notesClose = "<!-- notes: kept by make bench-gateways -->", "<!-- /notes -->"

// writeDoc replaces the section in the markdown file, or appends it, leaving the rest as is.
func (rep report) writeDoc(path string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	body := rep.section()
	if i := strings.Index(doc, section); i >= 0 {
		end := len(doc)
		if j := strings.Index(doc[i+len(section):], "\n## "); j >= 0 {
			end = i + len(section) + j + 1
		}
		// Notes written by hand between the markers survive the rewrite.
		old := doc[i:end]
		if a := strings.Index(old, notesOpen); a >= 0 {
			if z := strings.Index(old[a:], notesClose); z >= 0 {
				body = strings.Replace(body, notesOpen+"\n"+notesClose, old[a:a+z+len(notesClose)], 1)
			}
		}
		if end < len(doc) {
			body += "\n"
		}
		doc = doc[:i] + body + doc[end:]
	} else {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + body
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

func (rep report) writeChart(path string) error {
	var groups []chart.Group
	for _, dedup := range []bool{true, false} {
		g := chart.Group{Title: "RPS, NO DEDUP"}
		if dedup {
			g.Title = "RPS, DEDUP"
		}
		for _, r := range rep.rows {
			if r.dedup != dedup || r.err != nil {
				continue
			}
			g.Bars = append(g.Bars, chart.Bar{Label: r.gateway, Value: r.res.RPS, Highlight: r.gateway == "ShopGraph"})
		}
		groups = append(groups, g)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := chart.Write(f, fmt.Sprintf("GATEWAYS SIDE BY SIDE, %d CLIENTS, %s, %s", rep.opts.concurrency, rep.opts.duration, rep.started.Format("2006-01-02")), groups); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
func mb(n int64) string         { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "|", "/")), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "? RAM"
	}
	var kb int64
	fmt.Sscanf(strings.TrimPrefix(strings.Split(string(b), "\n")[0], "MemTotal:"), "%d", &kb)
	return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
}

func goAndNode() string {
	node := "node not found"
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		node = "Node " + strings.TrimSpace(string(out))
	}
	return runtime.Version() + ", " + node
}
