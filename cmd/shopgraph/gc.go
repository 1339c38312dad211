package main

import (
	"flag"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// gcFlags tune the garbage collector of a serving process. The gateway allocates for every
// request and keeps little, so collecting less often (a higher GC percent) saves CPU per
// request; the memory limit bounds what that costs in memory.
type gcFlags struct {
	percent  int
	limitMiB int
	command  gcDefaultsOf
}

type gcDefaultsOf struct{ percent, limitMiB int }

// gcDefaults are each command's. The gateway trades memory for CPU, capped at 100 MiB. serve,
// which also holds the subgraphs and the search index (whose memory engine keeps about 1.7 GB
// per million products), collects as rarely, capped at half the memory of the machine or its
// container: a live heap above that would not have had room under Go's default either (it
// grows to twice the live heap), and below it the cap only brings collections forward. Where
// the memory cannot be read it keeps Go's defaults.
func gcDefaults(command string) gcDefaultsOf {
	switch command {
	case "gateway":
		return gcDefaultsOf{percent: 400, limitMiB: 100}
	case "serve":
		if mem := memoryMiB(); mem > 0 {
			return gcDefaultsOf{percent: 400, limitMiB: mem / 2}
		}
	}
	return gcDefaultsOf{percent: 100}
}

// memoryMiB is the memory this process may use: its cgroup's limit when it has one, else the
// machine's; 0 when neither can be read.
func memoryMiB() int {
	mem := 0
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if kb, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB"))); err == nil {
					mem = n >> 10
				}
			}
		}
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (mem == 0 || int(n>>20) < mem) {
			mem = int(n >> 20) // "max" (no limit) does not parse
		}
	}
	return mem
}

func (g *gcFlags) register(fs *flag.FlagSet, command string) {
	d := gcDefaults(command)
	g.command = d
	fs.IntVar(&g.percent, "gc-percent", d.percent, "garbage collector target percent, as GOGC (which wins unless this is given); 0: this command's default")
	fs.IntVar(&g.limitMiB, "memory-limit-mib", d.limitMiB, "soft memory limit of the process in MiB, as GOMEMLIMIT (which wins unless this is given); 0: none")
}

// apply sets the collector: a value given on the command line or in the configuration always,
// a command default only when the environment (GOGC, GOMEMLIMIT) does not set it already.
func (g gcFlags) apply(fs *flag.FlagSet) {
	set := map[string]bool{} // given on the command line, or by the configuration (cfg.parse)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	explicit := func(name string) bool { return set[name] }
	if g.percent <= 0 {
		g.percent = g.command.percent
	}
	if explicit("gc-percent") || os.Getenv("GOGC") == "" {
		debug.SetGCPercent(g.percent)
	}
	if explicit("memory-limit-mib") || os.Getenv("GOMEMLIMIT") == "" {
		limit := int64(g.limitMiB) << 20
		if g.limitMiB <= 0 {
			limit = 1<<63 - 1 // no limit, as Go's default
		}
		debug.SetMemoryLimit(limit)
	}
	slog.Debug("garbage collector", "gc_percent", g.percent, "memory_limit_mib", g.limitMiB)
}
