// Package bench measures the capture path against the targets of the project's performance
// table: webhook to exec latency, capture wall time, alert storms, parsing, listing, storage,
// safepoints and idle memory. Run them all with bench/run.sh, which prints one table of medians.
//
// Everything here is real: client-go against Kubernetes' exec server in process (kubetest),
// real JVMs (jvmtest), real SQLite files, and the plugin binary itself for idle memory.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/store"
)

// guard bounds every wait in these benchmarks: a failure guard, never a performance bound.
const guard = 3 * time.Minute

// percentile returns the p-th percentile (0..100) of samples by the nearest-rank method.
func percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(p/100*float64(len(s))+0.5) - 1
	rank = max(0, min(rank, len(s)-1))
	return s[rank]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// webhookBody builds a Grafana webhook (payload version 1) with one firing alert per target.
func webhookBody(tb testing.TB, targets []podRef) []byte {
	tb.Helper()
	body, err := buildWebhook(targets)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func buildWebhook(targets []podRef) ([]byte, error) {
	type wa struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		Fingerprint string            `json:"fingerprint"`
	}
	alerts := make([]wa, 0, len(targets))
	for i, t := range targets {
		alerts = append(alerts, wa{
			Status: "firing",
			Labels: map[string]string{"alertname": "Pod CPU high", "namespace": t.Namespace, "pod": t.Pod,
				"container": t.Container, "node": t.Node},
			Annotations: map[string]string{"summary": "CPU above 1 core"},
			StartsAt:    time.Now().UTC(),
			Fingerprint: fmt.Sprintf("%016x", i),
		})
	}
	body, err := json.Marshal(map[string]any{
		"receiver": "Stack Capture", "status": "firing", "version": "1", "orgId": 1, "alerts": alerts,
	})
	if err != nil {
		return nil, fmt.Errorf("encode webhook: %w", err)
	}
	return body, nil
}

type podRef struct{ Namespace, Pod, Container, Node string }

// benchLogger keeps warnings and errors of the code under test visible without flooding output.
func benchLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// openStore opens a fresh SQLite file under the benchmark's temp dir.
func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "captures.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// statusKB reads a "Name:   123 kB" line of /proc/<pid>/status.
func statusKB(pid int, name string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read status of pid %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s of pid %d: %w", name, pid, err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}

// threadDumpOf a JVM with n extra idle threads (5,000 by default), taken with JDK 17's jcmd, is
// generated once and kept in the system temp dir: starting the JVM costs seconds, and every
// -count run of the parse benchmark should parse the same dump.
func bigThreadDump(tb testing.TB, n int) string {
	tb.Helper()
	jcmd := filepath.Join(jvmtest.JDK17Home, "bin", "jcmd")
	jvmtest.RequireFile(tb, jcmd)
	cache := filepath.Join(os.TempDir(), "stackcapture-bench", fmt.Sprintf("jdk17-jcmd-%d-threads.txt", n))
	if b, err := os.ReadFile(cache); err == nil && strings.Count(string(b), "\"pool-idle-") == n {
		return string(b)
	}
	j := jvmtest.Start(tb, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(tb),
		jvmtest.IdleThreadsArg(n), "-Xss256k")
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	out, err := exec.CommandContext(ctx, jcmd, strconv.Itoa(j.PID), "Thread.print", "-l").Output()
	if err != nil {
		tb.Fatalf("jcmd Thread.print: %v", err)
	}
	if got := strings.Count(string(out), "\"pool-idle-"); got != n {
		tb.Fatalf("dump has %d pool-idle threads, want %d", got, n)
	}
	if err := os.MkdirAll(filepath.Dir(cache), 0o755); err == nil {
		_ = os.WriteFile(cache, out, 0o644) // a cache: a failed write only costs time next run
	}
	return string(out)
}
