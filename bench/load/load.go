// Package load drives a GraphQL endpoint with a fixed number of concurrent keep-alive
// clients for a fixed time after a warm-up, checks every response, and measures latency
// percentiles and the peak CPU and memory of the server process.
package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run.
type Config struct {
	URL         string
	Body        []byte      // the POST body, sent unchanged by every client; nil sends GET URL
	Header      http.Header // added to every request (API keys, client names)
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	// Expected, when set, is the decoded response the first response must equal.
	Expected any
	// PID, when set, is the server process whose CPU and RSS are sampled.
	PID int
	// Measuring, when set, is called as the measured window opens and again as it closes,
	// so a caller can read other counters (the subgraphs') over the same window.
	Measuring func(open bool)
}

// Result is what a run measured. CPU figures cover the measured window only.
type Result struct {
	Requests   int64
	Errors     int64
	FirstError string
	Elapsed    time.Duration
	RPS        float64
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	// PeakCPU is the highest CPU use in any one-second sample, in percent of one core.
	PeakCPU    float64
	PeakRSS    int64
	CPUSeconds float64 // CPU time the server used during the window
	// LoadCPUSeconds is the CPU time this process, the load generator, used in the window.
	LoadCPUSeconds float64
}

// CPUPerRequest is the server's CPU time per successful request.
func (r Result) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return time.Duration(r.CPUSeconds / float64(r.Requests) * float64(time.Second))
}

// LoadCPUPerRequest is the load generator's own CPU time per successful request.
func (r Result) LoadCPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return time.Duration(r.LoadCPUSeconds / float64(r.Requests) * float64(time.Second))
}

// Run runs the load and returns its measurements. It stops early if ctx is cancelled.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 50
	}
	t, err := newTarget(cfg)
	if err != nil {
		return Result{}, err
	}

	// The first response is checked in full before any load.
	c := t.client(ctx)
	first, err := c.do(ctx, nil)
	c.release()
	if err != nil {
		return Result{}, fmt.Errorf("first request: %w", err)
	}
	if cfg.Expected != nil {
		var got any
		if err := json.Unmarshal(first, &got); err != nil {
			return Result{}, fmt.Errorf("first response: %w", err)
		}
		if !reflect.DeepEqual(got, cfg.Expected) {
			return Result{}, fmt.Errorf("first response differs from the expected one: %.300s", first)
		}
	}
	if cfg.Warmup > 0 {
		if _, err := phase(ctx, t, cfg, cfg.Warmup, first); err != nil {
			return Result{}, err
		}
	}

	var before ProcSample
	if cfg.PID > 0 {
		if before, err = SampleTree(cfg.PID); err != nil {
			return Result{}, fmt.Errorf("sample gateway: %w", err)
		}
	}
	self, _ := cpuSeconds(os.Getpid())
	sampler := startSampler(cfg.PID, before)
	if cfg.Measuring != nil {
		cfg.Measuring(true)
	}
	res, err := phase(ctx, t, cfg, cfg.Duration, first)
	if cfg.Measuring != nil {
		cfg.Measuring(false)
	}
	selfAfter, _ := cpuSeconds(os.Getpid())
	peakCPU, peakRSS, after := sampler.stop()
	if err != nil {
		return Result{}, err
	}
	res.LoadCPUSeconds = selfAfter - self
	if cfg.PID > 0 {
		res.PeakCPU, res.PeakRSS = peakCPU, peakRSS
		res.CPUSeconds = after.CPUSeconds - before.CPUSeconds
	}
	return res, nil
}

// phase keeps cfg.Concurrency clients busy for d. Every response must be a 200 without
// "errors" and as long as the first one (the data is fixed, so any change is a fault).
// Clients stop sending at the deadline and let their last request finish: cutting requests
// off would make the gateway see disconnects that a steady load does not have.
func phase(ctx context.Context, t *target, cfg Config, d time.Duration, first []byte) (Result, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
		errs     atomic.Int64
		firstErr atomic.Value
	)
	start := time.Now()
	deadline := start.Add(d)
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := t.client(ctx)
			defer c.release()
			lat := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				sent := time.Now()
				body, err := c.do(ctx, first)
				if ctx.Err() != nil {
					break
				}
				if err == nil && len(body) != len(first) {
					err = fmt.Errorf("response of %d bytes, want %d: %.200s", len(body), len(first), body)
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat = append(lat, time.Since(sent))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := Result{Requests: int64(len(all)), Errors: errs.Load(), Elapsed: elapsed}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstError = s
	}
	r.RPS = float64(r.Requests) / elapsed.Seconds()
	r.P50, r.P95, r.P99 = percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99)
	return r, nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sampler reads the server's CPU and RSS once a second.
type sampler struct {
	stopc   chan struct{}
	done    chan struct{}
	peakCPU float64
	peakRSS int64
	last    ProcSample
}

func startSampler(pid int, first ProcSample) *sampler {
	s := &sampler{stopc: make(chan struct{}), done: make(chan struct{}), last: first, peakRSS: first.RSSBytes}
	go func() {
		defer close(s.done)
		if pid <= 0 {
			<-s.stopc
			return
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		prev := time.Now()
		for {
			select {
			case <-s.stopc:
				if now, err := SampleTree(pid); err == nil {
					s.peakRSS = max(s.peakRSS, now.RSSBytes)
					s.last = now
				}
				return
			case t := <-tick.C:
				now, err := SampleTree(pid)
				if err != nil {
					continue
				}
				pct := (now.CPUSeconds - s.last.CPUSeconds) / t.Sub(prev).Seconds() * 100
				s.peakCPU = max(s.peakCPU, pct)
				s.peakRSS = max(s.peakRSS, now.RSSBytes)
				s.last, prev = now, t
			}
		}
	}()
	return s
}

func (s *sampler) stop() (peakCPU float64, peakRSS int64, last ProcSample) {
	close(s.stopc)
	<-s.done
	return s.peakCPU, s.peakRSS, s.last
}
