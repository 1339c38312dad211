package load

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux
// this runs on.
const clockTicks = 100

// ProcSample is the CPU time and resident memory of a process and its descendants (Node
// gateways may fork workers), read from /proc.
type ProcSample struct {
	CPUSeconds float64
	RSSBytes   int64
}

// SampleTree reads pid and every descendant of it.
func SampleTree(pid int) (ProcSample, error) {
	var s ProcSample
	pids := append([]int{pid}, descendants(pid)...)
	for i, p := range pids {
		cpu, err := cpuSeconds(p)
		if err != nil {
			if i == 0 {
				return s, err
			}
			continue // a child that exited between the listing and the read
		}
		s.CPUSeconds += cpu
		s.RSSBytes += rssBytes(p)
	}
	return s, nil
}

// cpuSeconds is utime+stime: fields 14 and 15 of stat, counted after the ")" closing comm.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f, err := statFields(b)
	if err != nil {
		return 0, fmt.Errorf("pid %d: %w", pid, err)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return float64(ut+st) / clockTicks, nil
}

// statFields returns the fields after comm: f[0] is state (field 3), f[1] ppid (field 4).
func statFields(b []byte) ([]string, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return nil, fmt.Errorf("short stat")
	}
	return f, nil
}

func rssBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f, err := statFields(b)
		if err != nil {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
