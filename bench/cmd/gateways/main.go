// Command gateways runs the gateway benchmark: the four benchmark subgraphs, their ceiling
// measured alone, then ShopGraph's gateway and each installed peer gateway in turn, in both
// modes (dedup and no dedup), under the same load. It prints the table, writes it into
// docs/benchmarks.md ("## Gateways side by side") and draws docs/benchmarks-gateways.png.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/shopgraph/shopgraph/bench/load"
	"github.com/shopgraph/shopgraph/bench/subgraphs"
)

type options struct {
	shopgraph, subgraphs, peers, supergraph string
	doc, png                                string
	only                                    string
	profile, shopgraphPprof                 string
	concurrency, runs                       int
	warmup, duration, ceiling               time.Duration
	port, gatewayPort                       int
}

func main() {
	var o options
	flag.StringVar(&o.shopgraph, "shopgraph", ".data/bench/shopgraph", "ShopGraph binary (go build ./cmd/shopgraph)")
	flag.StringVar(&o.subgraphs, "subgraphs", ".data/bench/subgraphs", "subgraphs binary (go build ./bench/cmd/subgraphs)")
	flag.StringVar(&o.peers, "peers", ".data/bench-peers", "folder the peer gateways are installed in (bench/peers/install.sh)")
	flag.StringVar(&o.supergraph, "supergraph", "bench/supergraph.graphql", "supergraph of the benchmark subgraphs")
	flag.StringVar(&o.doc, "doc", "docs/benchmarks.md", "markdown file whose \"## Gateways side by side\" section is rewritten; empty: none")
	flag.StringVar(&o.png, "png", "docs/benchmarks-gateways.png", "bar chart to write; empty: none")
	flag.StringVar(&o.profile, "profile", "", "after the table, profile ShopGraph's gateway (-shopgraph-pprof) in both modes under the same load into this folder; the top entries go into the doc")
	flag.StringVar(&o.shopgraphPprof, "shopgraph-pprof", ".data/bench/gateway-pprof", "ShopGraph gateway with pprof (go build ./bench/cmd/gateway-pprof)")
	flag.StringVar(&o.only, "only", "", "comma-separated gateway names to run (default all), e.g. ShopGraph")
	flag.IntVar(&o.concurrency, "c", 50, "concurrent clients")
	flag.IntVar(&o.runs, "runs", 1, "runs of each gateway and mode, in rounds; the table shows the median run and the RPS range")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "warm-up before each measured run")
	flag.DurationVar(&o.duration, "d", 20*time.Second, "measured duration of each run")
	flag.DurationVar(&o.ceiling, "ceiling", 5*time.Second, "measured duration of each subgraph's ceiling run")
	flag.IntVar(&o.port, "port", 18201, "port of the first subgraph (the supergraph's URLs use 18201-18204)")
	flag.IntVar(&o.gatewayPort, "gateway-port", 18200, "port of the gateway under test")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

// pin is the taskset prefix putting a process on one CPU, or nothing when taskset or a
// second CPU is missing.
func pin(cpu int, argv ...string) []string {
	if !pinned() {
		return argv
	}
	return append([]string{"taskset", "-c", fmt.Sprint(cpu)}, argv...)
}

func pinned() bool {
	_, err := exec.LookPath("taskset")
	return err == nil && onlineCPUs() >= 2
}

// onlineCPUs counts the machine's CPUs, not this process's: make runs this command pinned
// to CPU 0, which runtime.NumCPU would report as one.
func onlineCPUs() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(b)), ",") {
		var lo, hi int
		if c, _ := fmt.Sscanf(part, "%d-%d", &lo, &hi); c == 2 {
			n += hi - lo + 1
		} else if c == 1 {
			n++
		}
	}
	return max(n, 1)
}

func run(ctx context.Context, o options) error {
	started := time.Now().UTC()
	load1 := loadAverage()
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
	}
	// A server already on a port would answer in place of ours and be measured instead.
	for _, port := range []int{o.gatewayPort, o.port, o.port + 1, o.port + 2, o.port + 3} {
		if err := portFree(port); err != nil {
			return err
		}
	}
	sub, err := startProcess(ctx, "subgraphs", exec.Command(o.subgraphs, "--port", fmt.Sprint(o.port)), 0)
	if err != nil {
		return err
	}
	defer sub.stop()
	for i := range subgraphs.Names {
		if err := waitReady(ctx, fmt.Sprintf("http://127.0.0.1:%d/graphql", o.port+i), sub, 10*time.Second); err != nil {
			return fmt.Errorf("subgraphs: %w", err)
		}
	}

	log.Printf("subgraph ceilings (each alone, %d clients, %s)", o.concurrency, o.ceiling)
	var ceilings []ceiling
	for i, name := range subgraphs.Names {
		res, err := load.Run(ctx, load.Config{
			URL:         fmt.Sprintf("http://127.0.0.1:%d/graphql", o.port+i),
			Body:        ceilingBody(name),
			Concurrency: o.concurrency,
			Warmup:      time.Second,
			Duration:    o.ceiling,
			PID:         sub.pid(),
		})
		if err != nil {
			return fmt.Errorf("ceiling of %s: %w", name, err)
		}
		ceilings = append(ceilings, ceiling{name, res})
		log.Printf("  %-10s %8.0f RPS  p50 %-8s p99 %-8s CPU/request %s, load generator %s", name, res.RPS,
			ms(res.P50), ms(res.P99), us(res.CPUPerRequest()), us(res.LoadCPUPerRequest()))
	}

	body, _ := json.Marshal(map[string]string{"query": subgraphs.Query, "operationName": "TestQuery"})
	expected := subgraphs.Expected()
	// With -runs above 1, rounds go through every gateway in turn, so a burst of load from
	// elsewhere on the machine spreads over all of them; each row keeps its median run.
	runs := map[string][]row{}
	var order []string
	for round := range max(o.runs, 1) {
		for _, gw := range gateways(o) {
			if o.only != "" && !contains(strings.Split(o.only, ","), gw.name) {
				continue
			}
			for _, dedup := range []bool{true, false} {
				r := row{gateway: gw.name, version: gw.version, dedup: dedup, note: gw.note}
				key := gw.name + "/" + r.mode()
				if round == 0 {
					order = append(order, key)
				} else if prev := runs[key]; len(prev) > 0 && prev[0].err != nil {
					continue // it did not start the first time either
				}
				r.res, r.subgraphs, r.err = runGateway(ctx, o, gw, dedup, false, body, expected, sub)
				if r.err != nil {
					log.Printf("%s (%s): SKIPPED: %v", gw.name, r.mode(), r.err)
				} else {
					log.Printf("%s (%s): %.0f RPS, p95 %s, %d errors, peak CPU %.0f%%, peak RSS %s, CPU/request %s, load generator CPU/request %s",
						gw.name, r.mode(), r.res.RPS, ms(r.res.P95), r.res.Errors, r.res.PeakCPU, mb(r.res.PeakRSS),
						us(r.res.CPUPerRequest()), us(r.res.LoadCPUPerRequest()))
					if r.res.FirstError != "" {
						log.Printf("  first error: %s", oneLine(r.res.FirstError, 400))
					}
				}
				runs[key] = append(runs[key], r)
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
		}
	}
	var rows []row
	for _, key := range order {
		rows = append(rows, median(runs[key]))
	}

	var profiles []profileSummary
	if o.profile != "" {
		for _, gw := range gateways(o)[:1] {
			for _, dedup := range []bool{true, false} {
				log.Printf("profiling %s (%s)", gw.name, row{dedup: dedup}.mode())
				if _, _, err := runGateway(ctx, o, gw, dedup, true, body, expected, sub); err != nil {
					log.Printf("profile run: %v", err)
					continue
				}
				profiles = append(profiles, summarize(o, gw.name, dedup))
			}
		}
	}

	rep := report{profiles: profiles,
		started: started, finished: time.Now().UTC(), loadBefore: load1, loadAfter: loadAverage(),
		opts: o, ceilings: ceilings, rows: rows, pinned: pinned(),
	}
	fmt.Println()
	fmt.Print(rep.table())
	fmt.Print(rep.ratios())
	if o.doc != "" {
		if err := rep.writeDoc(o.doc); err != nil {
			return err
		}
		log.Printf("wrote %s", o.doc)
	}
	if o.png != "" {
		if err := rep.writeChart(o.png); err != nil {
			return err
		}
		log.Printf("wrote %s", o.png)
	}
	return nil
}

// subgraphLoad is the subgraphs' work per client request over a gateway's measured window.
type subgraphLoad struct {
	fetches    int64   // subgraph requests in the window
	cpuSeconds float64 // subgraphs' CPU in the window
}

func runGateway(ctx context.Context, o options, gw gateway, dedup, profile bool, body []byte, expected any, sub *process) (load.Result, subgraphLoad, error) {
	cmd, err := gw.command(dedup, o.gatewayPort, profile)
	if err != nil {
		return load.Result{}, subgraphLoad{}, err
	}
	p, err := startProcess(ctx, gw.name, cmd, 1)
	if err != nil {
		return load.Result{}, subgraphLoad{}, err
	}
	defer p.stop()
	url := fmt.Sprintf("http://127.0.0.1:%d/graphql", o.gatewayPort)
	if err := waitReady(ctx, url, p, 90*time.Second); err != nil {
		return load.Result{}, subgraphLoad{}, fmt.Errorf("did not start: %w; last output: %s", err, p.tail())
	}
	var before, after subgraphLoad
	prof := profiler{name: profileName(gw.name, dedup), window: o.duration}
	if profile {
		prof.dir = o.profile
	}
	res, err := load.Run(ctx, load.Config{
		URL: url, Body: body, Concurrency: o.concurrency, Warmup: o.warmup, Duration: o.duration,
		Expected: expected, PID: p.pid(),
		Measuring: func(open bool) {
			s := subgraphLoad{fetches: subgraphRequests(o.port)}
			if t, err := load.SampleTree(sub.pid()); err == nil {
				s.cpuSeconds = t.CPUSeconds
			}
			if open {
				before = s
				prof.start()
			} else {
				after = s
				prof.finish()
			}
		},
	})
	if err != nil {
		return res, subgraphLoad{}, fmt.Errorf("%w; gateway output: %s", err, p.tail())
	}
	if res.Errors > 0 {
		log.Printf("%s: %d errors; the gateway's last output: %s", gw.name, res.Errors, oneLine(p.tail(), 1500))
	}
	return res, subgraphLoad{fetches: after.fetches - before.fetches, cpuSeconds: after.cpuSeconds - before.cpuSeconds}, nil
}

// median is the run with the median RPS, carrying the RPS range of all the runs; errors of
// any run are added up so that none hides behind a good median.
func median(rs []row) row {
	var ok []row
	var errs int64
	for _, r := range rs {
		if r.err == nil {
			ok = append(ok, r)
			errs += r.res.Errors
		}
	}
	if len(ok) == 0 {
		return rs[0]
	}
	slices.SortFunc(ok, func(a, b row) int { return cmp.Compare(a.res.RPS, b.res.RPS) })
	m := ok[len(ok)/2]
	m.runs, m.rpsMin, m.rpsMax = len(ok), ok[0].res.RPS, ok[len(ok)-1].res.RPS
	m.res.Errors = errs
	return m
}

func profileName(gateway string, dedup bool) string {
	mode := "nodedup"
	if dedup {
		mode = "dedup"
	}
	return strings.ToLower(strings.ReplaceAll(gateway, " ", "-")) + "-" + mode
}

// profileSummary is the top of `go tool pprof -top` for a profiled run.
type profileSummary struct {
	gateway    string
	dedup      bool
	cpu, ours  string
	allocs     string
	cpuPath    string
	allocsPath string
}

func summarize(o options, gateway string, dedup bool) profileSummary {
	base := filepath.Join(o.profile, profileName(gateway, dedup))
	s := profileSummary{gateway: gateway, dedup: dedup, cpuPath: base + ".cpu.pprof", allocsPath: base + ".allocs.pprof"}
	top := func(args ...string) string {
		args = append([]string{"tool", "pprof", "-top", "-nodecount=15"}, args...)
		out, err := exec.Command("go", args...).Output()
		if err != nil {
			return "go tool pprof: " + err.Error()
		}
		// Keep the header's totals line and the table; drop file and build lines.
		var keep []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Time:") || strings.HasPrefix(line, "Dropped") {
				continue
			}
			keep = append(keep, line)
		}
		return strings.Join(keep, "\n")
	}
	s.cpu = top(o.shopgraphPprof, s.cpuPath)
	s.ours = top("-cum", "-show=shopgraph/shopgraph/gateway", o.shopgraphPprof, s.cpuPath)
	s.allocs = top("-sample_index=alloc_space", o.shopgraphPprof, s.allocsPath)
	return s
}

const pprofAddr = "127.0.0.1:18299"

// profiler takes a CPU profile of the gateway over the measured window and an allocation
// profile at its end, into dir (nothing when dir is empty).
type profiler struct {
	dir, name string
	window    time.Duration
	done      chan struct{}
}

func (p *profiler) start() {
	if p.dir == "" {
		return
	}
	p.done = make(chan struct{})
	secs := max(1, int(p.window.Seconds())-1)
	go func() {
		defer close(p.done)
		fetchProfile(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, secs), filepath.Join(p.dir, p.name+".cpu.pprof"))
	}()
}

func (p *profiler) finish() {
	if p.dir == "" {
		return
	}
	<-p.done
	fetchProfile("http://"+pprofAddr+"/debug/pprof/allocs", filepath.Join(p.dir, p.name+".allocs.pprof"))
	log.Printf("profiles: %s/%s.{cpu,allocs}.pprof", p.dir, p.name)
}

func fetchProfile(url, path string) {
	resp, err := http.Get(url)
	if err != nil {
		log.Printf("profile %s: %v", url, err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		log.Printf("profile %s: %v", path, err)
	}
}

func subgraphRequests(port int) int64 {
	var n int64
	for i := range subgraphs.Names {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/stats", port+i))
		if err != nil {
			continue
		}
		var s struct{ Requests int64 }
		_ = json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		n += s.Requests
	}
	return n
}

// ceilingBody is a request like those a gateway sends each subgraph for the benchmark query.
func ceilingBody(name string) []byte {
	var req map[string]any
	products := func(fields ...string) []any {
		var reps []any
		for _, upc := range []string{"1", "2", "3", "4", "5"} {
			rep := map[string]any{"__typename": "Product", "upc": upc}
			for _, f := range fields {
				rep[f] = 100
			}
			reps = append(reps, rep)
		}
		return reps
	}
	switch name {
	case "accounts":
		req = map[string]any{"query": `{users{__typename id username name}}`}
	case "inventory":
		req = map[string]any{
			"query":     `query($representations:[_Any!]!){_entities(representations:$representations){...on Product{inStock shippingEstimate}}}`,
			"variables": map[string]any{"representations": products("price", "weight")},
		}
	case "products":
		req = map[string]any{
			"query":     `query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name price weight}}}`,
			"variables": map[string]any{"representations": products()},
		}
	case "reviews":
		var reps []any
		for i := 1; i <= 6; i++ {
			reps = append(reps, map[string]any{"__typename": "User", "id": fmt.Sprint(i)})
		}
		req = map[string]any{
			"query":     `query($representations:[_Any!]!){_entities(representations:$representations){...on User{reviews{id body product{__typename upc reviews{id body author{__typename id username reviews{id body product{__typename upc}}}}}}}}}`,
			"variables": map[string]any{"representations": reps},
		}
	}
	b, _ := json.Marshal(req)
	return b
}

// process is a child started in its own process group, so stop ends it and its workers.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
}

func startProcess(ctx context.Context, name string, cmd *exec.Cmd, cpu int) (*process, error) {
	argv := pin(cpu, cmd.Args...)
	path := argv[0]
	if len(argv) == len(cmd.Args) {
		path = cmd.Path
	} else if lp, err := exec.LookPath(path); err == nil {
		path = lp
	}
	c := exec.Command(path, argv[1:]...)
	c.Args = argv
	c.Dir, c.Env = cmd.Dir, cmd.Env
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &tailBuffer{}
	c.Stdout, c.Stderr = out, out
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: c, out: out, done: make(chan struct{})}
	go func() { _ = c.Wait(); close(p.done) }()
	return p, nil
}

// pid is the process that does the work: taskset execs it, so the pid is the same.
func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *process) tail() string { return p.out.String() }

// tailBuffer keeps the last 2 KB a process wrote, for error messages.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.TrimSpace(string(t.b)) }

func waitReady(ctx context.Context, url string, p *process, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if p.exited() {
			return errors.New("process exited")
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"query":"{__typename}"}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func portFree(port int) error {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d is taken (another server would be measured): %w", port, err)
	}
	return ln.Close()
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}
