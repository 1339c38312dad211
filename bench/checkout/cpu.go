package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The store runs on this machine (the URL is loopback), so where the CPU time of a run goes is
// read from /proc: per process before and after the timed phase, grouped by role. Without
// /proc (not Linux) the breakdown is skipped.

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

type procSample struct {
	group string
	ticks int64
}

type cpuSnapshot struct {
	procs map[int]procSample
	// busy and total are the machine's jiffies from /proc/stat.
	busy, total int64
}

// cpuProbe labels the processes of interest: this program, and the store serving the URL.
type cpuProbe struct {
	self   int
	server int
}

func newCPUProbe(rawURL string) *cpuProbe {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return nil
	}
	p := &cpuProbe{self: os.Getpid()}
	if u, err := url.Parse(rawURL); err == nil {
		if port, err := strconv.Atoi(u.Port()); err == nil {
			p.server = listenerPID(port)
		}
	}
	return p
}

// snapshot reads every process's CPU time; a nil probe (no /proc) reads nothing.
func (p *cpuProbe) snapshot() cpuSnapshot {
	s := cpuSnapshot{procs: map[int]procSample{}}
	if p == nil {
		return s
	}
	s.busy, s.total = machineJiffies()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(dir + "/stat")
		if err != nil {
			continue // the process ended
		}
		comm, ticks, ok := parseStat(raw)
		if !ok || ticks == 0 {
			continue
		}
		s.procs[pid] = procSample{group: p.group(pid, comm), ticks: ticks}
	}
	return s
}

func (p *cpuProbe) group(pid int, comm string) string {
	switch {
	case pid == p.self:
		return "bench client (this program)"
	case pid == p.server:
		return "store under test (gateway + subgraphs, pid " + strconv.Itoa(pid) + ")"
	case comm == "postgres":
		// Backends name their database: "postgres: user db 127.0.0.1(port) state".
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		f := strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " "))
		if len(f) >= 4 && f[0] == "postgres:" && strings.Contains(f[3], "(") {
			return "postgres backends, database " + f[2]
		}
		return "postgres background (WAL writer, checkpointer, …)"
	}
	return comm
}

// parseStat returns the command name and user+system ticks of a /proc/<pid>/stat line.
func parseStat(raw []byte) (string, int64, bool) {
	open, end := bytes.IndexByte(raw, '('), bytes.LastIndexByte(raw, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	// After "(comm) " come state, then fields 4…; utime and stime are fields 14 and 15.
	f := strings.Fields(string(raw[end+1:]))
	if len(f) < 13 {
		return "", 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, false
	}
	return string(raw[open+1 : end]), ut + st, true
}

func machineJiffies() (busy, total int64) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0
	}
	fields := strings.Fields(sc.Text()) // cpu user nice system idle iowait irq softirq steal …
	for i, v := range fields[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle and iowait
			busy += n
		}
	}
	return busy, total
}

// listenerPID finds the process listening on a loopback TCP port, or 0.
func listenerPID(port int) int {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		raw, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(raw), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A is LISTEN
				continue
			}
			if i := strings.LastIndexByte(f[1], ':'); i >= 0 {
				if p, err := strconv.ParseInt(f[1][i+1:], 16, 32); err == nil && int(p) == port {
					inodes["socket:["+f[9]+"]"] = true
				}
			}
		}
	}
	if len(inodes) == 0 {
		return 0
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && inodes[target] {
			pid, _ := strconv.Atoi(strings.Split(fd, "/")[2])
			return pid
		}
	}
	return 0
}

// print shows the CPU time each group used between two snapshots, per second of the run
// (cores busy) and per request.
func (p *cpuProbe) print(before, after cpuSnapshot, took time.Duration, requests int) {
	if p == nil {
		return
	}
	used := map[string]int64{}
	for pid, a := range after.procs {
		if b, ok := before.procs[pid]; ok && a.group == b.group {
			used[a.group] += a.ticks - b.ticks
		} else if !ok {
			used[a.group] += a.ticks // started during the run
		}
	}
	groups := make([]string, 0, len(used))
	for g, t := range used {
		if t > 0 {
			groups = append(groups, g)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return used[groups[i]] > used[groups[j]] })
	fmt.Println("| where the CPU went | CPU time | cores busy | CPU per request |")
	fmt.Println("|---|---|---|---|")
	row := func(name string, ticks int64) {
		sec := float64(ticks) / clockTicks
		fmt.Printf("| %s | %.2f s | %.2f | %.2f ms |\n", name, sec, sec/took.Seconds(), sec*1000/float64(max(requests, 1)))
	}
	for _, g := range groups[:min(8, len(groups))] {
		row(g, used[g])
	}
	if total := after.total - before.total; total > 0 {
		busy := after.busy - before.busy
		fmt.Printf("| machine (all %d cores; %.0f%% busy) | %.2f s | %.2f | |\n",
			runtime.NumCPU(), 100*float64(busy)/float64(total), float64(busy)/clockTicks, float64(busy)/clockTicks/took.Seconds())
	}
	fmt.Println()
}
