package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/jvmheap/heaptest"
)

// histoPauseEnv turns TestClassHistogramPause on: it fills a 1 GiB and then a 4 GiB live
// heap (one at a time) and takes several class histograms of each, so it is far too heavy
// for the default test run.
//
//	STACKCAPTURE_HISTO_PAUSE=1 go test ./bench -run TestClassHistogramPause -v -timeout 60m
//
// STACKCAPTURE_HISTO_PAUSE_RUNS sets the runs per mode (default 3);
// STACKCAPTURE_HISTO_PAUSE_JDK picks "17" or "25" (default 17).
const histoPauseEnv = "STACKCAPTURE_HISTO_PAUSE"

// TestClassHistogramPause measures the stop-the-world pause GC.class_histogram imposes on
// the target JVM, read from the target's own -Xlog:safepoint (operation GC_HeapInspection),
// in both modes: default (a full GC, then a walk of the live objects) and -all (no GC, a
// walk of every object, reachable or not). The JVM runs G1 (the JDKs' default, what
// production services use) with a heap 1.5× its live set and a small allocation churn,
// so -all also meets garbage. Modes alternate so machine load hits both alike.
func TestClassHistogramPause(t *testing.T) {
	if os.Getenv(histoPauseEnv) == "" {
		t.Skip("set " + histoPauseEnv + "=1 to measure class-histogram pauses (heavy: fills a 4 GiB heap)")
	}
	runs := 3
	if v := os.Getenv(histoPauseEnv + "_RUNS"); v != "" {
		if _, err := fmt.Sscan(v, &runs); err != nil || runs < 1 {
			t.Fatalf("%s_RUNS=%q: want a positive number", histoPauseEnv, v)
		}
	}
	home := jvmtest.JDK17Home
	if os.Getenv(histoPauseEnv+"_JDK") == "25" {
		home = jvmtest.JDK25Home
	}
	java := filepath.Join(home, "bin", "java")
	classes := heaptest.Compile(t)
	for _, size := range []struct {
		liveMB int
		xmx    string
	}{{1024, "1536m"}, {4096, "6g"}} {
		t.Run(fmt.Sprintf("live%dMiB", size.liveMB), func(t *testing.T) {
			logPath := filepath.Join(t.TempDir(), "safepoint.log")
			j := heaptest.Start(t, java, classes, heaptest.Options{
				Xmx: size.xmx, LiveMB: size.liveMB, ChurnKBps: 20 << 10,
				Args: []string{"-XX:+UseG1GC", "-Xlog:safepoint:file=" + logPath},
			})
			pauses := map[string][]time.Duration{}
			walls := map[string][]time.Duration{}
			for i := 0; i < runs; i++ {
				for _, mode := range []string{"full", "all"} {
					pause, wall := histogramPause(t, j, logPath, mode)
					pauses[mode] = append(pauses[mode], pause)
					walls[mode] = append(walls[mode], wall)
				}
			}
			for _, mode := range []string{"full", "all"} {
				t.Logf("RESULT %s live=%dMiB xmx=%s mode=%s pauses=%v median=%v jcmd-wall-median=%v load=%s",
					filepath.Base(home), size.liveMB, size.xmx, mode, pauses[mode], medianDuration(pauses[mode]), medianDuration(walls[mode]), histoLoadAvg())
				if medianDuration(pauses[mode]) <= 0 {
					t.Errorf("mode %s: no GC_HeapInspection pause measured", mode)
				}
			}
		})
	}
}

// histogramPause runs one class histogram and returns the GC_HeapInspection pause it
// added to the target's safepoint log, and jcmd's wall time.
func histogramPause(t *testing.T, j heaptest.JVM, logPath, mode string) (time.Duration, time.Duration) {
	t.Helper()
	before := heapInspections(t, logPath)
	args := []string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", fmt.Sprint(j.PID), "GC.class_histogram"}
	if mode == "all" {
		args = append(args, "-all")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, heaptest.Jcmd(j.Java), args...).CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("jcmd %v: %v\n%.2000s", args, err, out)
	}
	if !strings.Contains(string(out), heaptest.TopClass) {
		t.Fatalf("histogram without %s:\n%.2000s", heaptest.TopClass, out)
	}
	// The log is written by the target asynchronously to jcmd's return: wait for the line.
	deadline := time.Now().Add(time.Minute)
	for {
		after := heapInspections(t, logPath)
		if len(after) > len(before) {
			var sum time.Duration
			for _, d := range after[len(before):] {
				sum += d
			}
			return sum, wall
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new %s in %s after jcmd", jvmheap.HeapInspectionOp, logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func heapInspections(t *testing.T, logPath string) []time.Duration {
	t.Helper()
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sps, err := jvmheap.ParseSafepointLog(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	for _, sp := range sps {
		if sp.Op == jvmheap.HeapInspectionOp {
			out = append(out, sp.Total)
		}
	}
	return out
}

func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func histoLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
