package main

import (
	"flag"
	"log/slog"
	"os"
	"runtime/debug"
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

// gcDefaults are each command's: the gateway alone trades memory for CPU, capped at 100 MiB;
// serve, which also holds the subgraphs and the search index, keeps Go's defaults.
var gcDefaults = map[string]gcDefaultsOf{
	"gateway": {percent: 400, limitMiB: 100},
	"serve":   {percent: 100, limitMiB: 0},
}

func (g *gcFlags) register(fs *flag.FlagSet, command string) {
	d := gcDefaults[command]
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
