package postgres_test

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// BenchmarkAuthorizeCapture is the checkout's payment path (authorize, then capture) with a
// provider that answers at once, so it measures what payments itself costs per order. It
// reports the round trips and statements each order sends to Postgres and, where Postgres runs
// on this host, the CPU its backends spent per order beside the CPU of this process.
func BenchmarkAuthorizeCapture(b *testing.B) {
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(16) // checkouts wait on the database, not the CPU
		benchmarkAuthorizeCapture(b, 20, false, func(order func()) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					order()
				}
			})
		})
	})
	// One caller at a time: the latency of an order, which the round trips set.
	b.Run("serial", func(b *testing.B) {
		benchmarkAuthorizeCapture(b, 1, false, func(order func()) {
			for b.Loop() {
				order()
			}
		})
	})
	// The same, each order then read back as the checkout's answer reads Order.payment.
	b.Run("serial-read", func(b *testing.B) {
		benchmarkAuthorizeCapture(b, 1, true, func(order func()) {
			for b.Loop() {
				order()
			}
		})
	})
}

func benchmarkAuthorizeCapture(b *testing.B, conns int32, readBack bool, loop func(order func())) {
	f, w := newWiredFixture(b, conns)
	ctx := context.Background()
	order := func() {
		id := ulid.Make().String()
		if _, err := f.service.Authorize(ctx, authorize(id, provider.CardVisa)); err != nil {
			b.Error(err)
			return
		}
		if _, err := f.service.Capture(ctx, id); err != nil {
			b.Error(err)
		}
		if readBack {
			if _, err := f.store.IntentsByOrder(ctx, []string{id}); err != nil {
				b.Error(err)
			}
		}
	}
	order() // opens a connection, so its backend is counted from the start
	pgBefore, goBefore := backendCPU(b, f.pool), processCPU()
	b.ReportAllocs()
	b.ResetTimer()
	w.Reset()
	loop(order)
	b.StopTimer()
	trips, statements := w.Reset()
	goSpent, pgAfter := processCPU()-goBefore, backendCPU(b, f.pool)
	b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
	b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
	b.ReportMetric(float64(goSpent.Microseconds())/float64(b.N), "go-cpu-µs/op")
	if pgBefore != nil && pgAfter != nil {
		var pgSpent time.Duration
		for pid, t := range pgAfter {
			pgSpent += t - pgBefore[pid]
		}
		b.ReportMetric(float64(pgSpent.Microseconds())/float64(b.N), "pg-cpu-µs/op")
	}
}

// backendCPU returns the CPU time each Postgres backend of the pool's database has run, from
// /proc/<pid>/schedstat; nil when Postgres is not on this host or /proc cannot be read.
func backendCPU(tb testing.TB, pool *pgxpool.Pool) map[int32]time.Duration {
	tb.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cpu := map[int32]time.Duration{}
	for rows.Next() {
		var pid int32
		if err := rows.Scan(&pid); err != nil {
			tb.Fatal(err)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			return nil
		}
		var ns int64
		if _, err := fmt.Sscan(string(stat), &ns); err != nil {
			return nil
		}
		cpu[pid] = time.Duration(ns)
	}
	if rows.Err() != nil {
		tb.Fatal(rows.Err())
	}
	return cpu
}

// processCPU is the user and system CPU this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
