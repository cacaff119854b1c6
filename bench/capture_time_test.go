package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// captureWindow is the sampling window of BenchmarkCaptureOverWindow, as in the default settings.
const captureWindow = 2 * time.Second

// captureMode is one way of taking the evidence from the target JVM.
type captureMode int

const (
	modeProbe  captureMode = iota // the probe as shipped: its attach client started during the window
	modeJcmd                      // the probe with STACKCAPTURE_CLIENT=0: jcmd started during the window
	modeSerial                    // the probe with STACKCAPTURE_OVERLAP=0: jcmd after the window
	modeJstack                    // a plain `jstack -l PID` of the JVM's own JDK
	numModes
)

var modeNames = [numModes]string{"probe", "jcmd", "serial", "jstack"}

// modeSource is the dump source each probe mode must report.
var modeSource = [numModes]jvm.DumpSource{jvm.SourceAttach, jvm.SourceJcmd, jvm.SourceJcmd, ""}

// captureSample is what one run of one mode cost.
type captureSample struct {
	over   time.Duration // wall time minus the requested window (jstack: its wall time)
	pause  time.Duration // safepoint time the target logged during the run (reaching, at, leaving)
	atSP   time.Duration // of that, the time spent at the safepoint: the VM operations themselves
	cpu    time.Duration // user+system CPU of the run's process tree, in the "container"
	target time.Duration // CPU the target spent outside its spinning thread during the run
	hotPct float64       // the spinner's CPU over the window (probe modes)
	idlePc float64       // the busiest idle thread's CPU over the window (probe modes)
}

// BenchmarkCaptureOverWindow takes captures of a JVM with one spinning thread and 200 or 2,000
// sleeping threads, on JDK 17 and JDK 25, each run alternating four ways: the probe as shipped
// (its attach client started during the window), the probe with jcmd started during the window
// instead, the probe with jcmd started after the window (the behaviour before either), and a
// plain `jstack -l`. The probe runs as the kubelet runs it (the script on stdin of `sh -s`); its time
// over the 2 s window, the safepoint time the target logged (-Xlog:safepoint), and the CPU of the
// probe's process tree are set beside jstack's own, so the ratios come from the same run.
func BenchmarkCaptureOverWindow(b *testing.B) {
	classDir := jvmtest.Compile(b)
	for _, jdk := range []struct{ name, home string }{{"jdk17", jvmtest.JDK17Home}, {"jdk25", jvmtest.JDK25Home}} {
		for _, threads := range []int{200, 2000} {
			b.Run(fmt.Sprintf("%s/threads=%d", jdk.name, threads), func(b *testing.B) {
				benchCaptureOverWindow(b, classDir, jdk.home, threads)
			})
		}
	}
}

func benchCaptureOverWindow(b *testing.B, classDir, home string, threads int) {
	java, jstack := filepath.Join(home, "bin", "java"), filepath.Join(home, "bin", "jstack")
	jvmtest.RequireFile(b, java)
	jvmtest.RequireFile(b, jstack)
	logPath := filepath.Join(b.TempDir(), "safepoint.log")
	j := jvmtest.Start(b, java, classDir, jvmtest.IdleThreadsArg(threads), "-Xss256k", "-Xlog:safepoint:file="+logPath)
	hotTID := findThread(b, j.PID, jvmtest.HotThread)

	var samples [numModes][]captureSample
	first := true
	for b.Loop() {
		for m := range numModes {
			s := runCaptureMode(b, m, j, jstack, hotTID, logPath)
			if first && m == modeProbe {
				// A JVM never attached before: the probe also starts its attach listener.
				b.ReportMetric(ms(s.over), "first-probe-over-ms")
			}
			samples[m] = append(samples[m], s)
		}
		first = false
	}
	med := func(m captureMode, f func(captureSample) time.Duration) time.Duration {
		var ds []time.Duration
		for _, s := range samples[m] {
			ds = append(ds, f(s))
		}
		return percentile(ds, 50)
	}
	medPct := func(m captureMode, f func(captureSample) float64) float64 {
		var ds []time.Duration
		for _, s := range samples[m] {
			ds = append(ds, time.Duration(f(s)*1000))
		}
		return float64(percentile(ds, 50)) / 1000
	}
	over := func(s captureSample) time.Duration { return s.over }
	pause := func(s captureSample) time.Duration { return s.pause }
	atSP := func(s captureSample) time.Duration { return s.atSP }
	cpu := func(s captureSample) time.Duration { return s.cpu }
	target := func(s captureSample) time.Duration { return s.target }
	for m := range numModes {
		name := modeNames[m]
		b.ReportMetric(ms(med(m, over)), name+"-over-ms")
		b.ReportMetric(ms(med(m, pause)), name+"-pause-ms")
		b.ReportMetric(ms(med(m, atSP)), name+"-at-safepoint-ms")
		b.ReportMetric(ms(med(m, cpu)), name+"-cpu-ms")
		b.ReportMetric(ms(med(m, target)), name+"-target-cpu-ms")
	}
	for _, m := range []captureMode{modeProbe, modeJcmd, modeSerial} {
		b.ReportMetric(medPct(m, func(s captureSample) float64 { return s.hotPct }), modeNames[m]+"-hot-pct")
		b.ReportMetric(medPct(m, func(s captureSample) float64 { return s.idlePc }), modeNames[m]+"-idle-max-pct")
	}
	ratio := func(a, c time.Duration) float64 {
		if c <= 0 {
			return 0
		}
		return float64(a) / float64(c)
	}
	b.ReportMetric(ratio(med(modeProbe, over), med(modeJstack, over)), "over/jstack")
	b.ReportMetric(ratio(med(modeProbe, pause), med(modeJstack, pause)), "pause/jstack")
	b.ReportMetric(ratio(med(modeProbe, cpu), med(modeJstack, cpu)), "cpu/jstack")
	b.Logf("medians of %d alternating runs, load average %s: over the window probe %.0f ms, early jcmd %.0f ms, serial %.0f ms, jstack -l %.0f ms; "+
		"target paused probe %.1f ms, early jcmd %.1f ms, jstack %.1f ms; capture CPU probe %.0f ms, early jcmd %.0f ms, jstack %.0f ms; spinner %.1f%% / %.1f%% (probe / serial), busiest idle thread %.1f%% / %.1f%%",
		len(samples[modeProbe]), loadAverage(),
		ms(med(modeProbe, over)), ms(med(modeJcmd, over)), ms(med(modeSerial, over)), ms(med(modeJstack, over)),
		ms(med(modeProbe, pause)), ms(med(modeJcmd, pause)), ms(med(modeJstack, pause)),
		ms(med(modeProbe, cpu)), ms(med(modeJcmd, cpu)), ms(med(modeJstack, cpu)),
		medPct(modeProbe, func(s captureSample) float64 { return s.hotPct }), medPct(modeSerial, func(s captureSample) float64 { return s.hotPct }),
		medPct(modeProbe, func(s captureSample) float64 { return s.idlePc }), medPct(modeSerial, func(s captureSample) float64 { return s.idlePc }))
}

// runCaptureMode runs one capture of mode m and measures it.
func runCaptureMode(b *testing.B, m captureMode, j jvmtest.JVM, jstack string, hotTID int, logPath string) captureSample {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	var cmd *exec.Cmd
	if m == modeJstack {
		cmd = exec.CommandContext(ctx, jstack, "-l", strconv.Itoa(j.PID))
	} else {
		argv := jvm.ProbeArgs(captureWindow)
		cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(jvm.ProbeScript())
		cmd.Env = []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}
		switch m {
		case modeJcmd:
			cmd.Env = append(cmd.Env, "STACKCAPTURE_CLIENT=0")
		case modeSerial:
			cmd.Env = append(cmd.Env, "STACKCAPTURE_OVERLAP=0")
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	mark := len(safepointLines(b, logPath))
	targetBefore, hotBefore := taskCPU(b, j.PID, 0), taskCPU(b, j.PID, hotTID)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s", modeNames[m], err, stderr.String())
	}
	wall := time.Since(start)
	targetCPU := (taskCPU(b, j.PID, 0) - targetBefore) - (taskCPU(b, j.PID, hotTID) - hotBefore)
	// wait4's rusage of the child covers the descendants it waited for: jcmd and its JVM.
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no rusage for the capture's process")
	}
	s := captureSample{
		cpu:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		target: targetCPU,
	}
	// The safepoint lines of this run; a late line of the previous run is counted there.
	time.Sleep(50 * time.Millisecond)
	for _, l := range safepointLines(b, logPath)[mark:] {
		s.pause += safepointTotal(l)
		s.atSP += safepointAt(l)
	}
	if m == modeJstack {
		if !strings.Contains(stdout.String(), "Full thread dump") {
			b.Fatalf("jstack printed no dump:\n%s", stderr.String())
		}
		s.over = wall
		return s
	}
	s.over = wall - captureWindow
	out, err := jvm.ParseProbeOutput(&stdout)
	if err != nil || len(out.JVMs) != 1 || out.JVMs[0].DumpSource != modeSource[m] {
		b.Fatalf("%s: probe output %v, err %v, stderr %s", modeNames[m], out, err, stderr.String())
	}
	rec := out.JVMs[0]
	d, err := jvm.ParseThreadDump(rec.DumpText)
	if err != nil {
		b.Fatalf("parse dump: %v", err)
	}
	p := jvm.Analyze(rec, d, 0)
	if len(p.Threads) == 0 || p.Threads[0].Name != jvmtest.HotThread {
		b.Fatalf("%s: %s not ranked first", modeNames[m], jvmtest.HotThread)
	}
	s.hotPct = p.Threads[0].CPUPercent
	for _, th := range p.Threads {
		if strings.HasPrefix(th.Name, "pool-idle-") || strings.HasPrefix(th.Name, "idle-") {
			s.idlePc = max(s.idlePc, th.CPUPercent)
		}
	}
	return s
}

// findThread returns the tid of the JVM's thread named name (its /proc comm).
func findThread(tb testing.TB, pid int, name string) int {
	tb.Helper()
	dirs, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range dirs {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/comm", pid, d.Name()))
		if err == nil && strings.TrimSpace(string(comm)) == name {
			tid, err := strconv.Atoi(d.Name())
			if err != nil {
				tb.Fatal(err)
			}
			return tid
		}
	}
	tb.Fatalf("no thread %q in pid %d", name, pid)
	return 0
}

// taskCPU returns the user+system CPU of a thread (tid) or, with tid 0, of the whole process.
func taskCPU(tb testing.TB, pid, tid int) time.Duration {
	tb.Helper()
	path := fmt.Sprintf("/proc/%d/stat", pid)
	if tid != 0 {
		path = fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := jvm.ParseTaskStat(strings.TrimSpace(string(b)))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(st.UTime+st.STime) * 10 * time.Millisecond
}

// safepointAt reads the "At safepoint: N ns" of a safepoint line: the VM operation's own
// time, without the time the threads took to reach the safepoint (which on a loaded machine is
// mostly waiting for a CPU).
func safepointAt(line string) time.Duration {
	_, rest, ok := strings.Cut(line, "At safepoint: ")
	if !ok {
		return 0
	}
	num, _, _ := strings.Cut(rest, " ns")
	ns, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0
	}
	return time.Duration(ns)
}

func loadAverage() string {
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
