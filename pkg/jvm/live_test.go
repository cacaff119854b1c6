package jvm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// These tests run the real probe script against real JVMs on this machine, the way the
// kubelet would run it in a container: the script on stdin of `sh -s -- ARGS`.

const (
	// liveWindow is short to keep the tests quick; the spinner still gets ticks.
	liveWindow  = jvmtest.RankingWindow
	liveTimeout = 90 * time.Second // a failure guard, not a performance bound
)

// fullTools are the optional tools the probe uses, minus jcmd and jstack.
var fullTools = []string{"sleep", "cat", "sed", "tr", "grep", "getconf", "readlink", "ls", "date", "timeout"}

// runProbe runs the embedded probe with shell (argv[0] of ProbeArgs when ""), restricted
// to pids, with PATH set to path.
func runProbe(t *testing.T, shell, path string, pids ...int) (*ProbeOutput, []byte) {
	t.Helper()
	argv := ProbeArgs(liveWindow)
	if shell != "" {
		argv = append(strings.Fields(shell), argv[1:]...)
	}
	var ids []string
	for _, p := range pids {
		ids = append(ids, strconv.Itoa(p))
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(ProbeScript())
	cmd.Env = append(jvmtest.WithoutEnv(os.Environ(), "PATH", "STACKCAPTURE_PIDS"),
		"PATH="+path, "STACKCAPTURE_PIDS="+strings.Join(ids, " "))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("probe %v: %v\nstderr:\n%s", argv, err, stderr.String())
	}
	out, err := ParseProbeOutput(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		t.Fatalf("ParseProbeOutput: %v\nstdout:\n%s\nstderr:\n%s", err, clip(stdout.String(), 4000), stderr.String())
	}
	if len(out.Notes) > 0 {
		t.Errorf("protocol notes %q; stderr:\n%s", out.Notes, stderr.String())
	}
	return out, stdout.Bytes()
}

// assertSpinnerFirst checks the analysis of a Spin JVM: the spinner ranks first, well
// above the idle threads, with its stack.
func assertSpinnerFirst(t *testing.T, rec *JVMRecord, p Process, jvm jvmtest.JVM) {
	t.Helper()
	if p.Error != "" {
		t.Errorf("Process.Error = %q", p.Error)
	}
	// Without tr the probe's builtin read drops the NULs between the arguments.
	if p.PID != jvm.PID || !strings.Contains(p.Command, "-cp") || !strings.HasSuffix(p.Command, "Spin") {
		t.Errorf("pid %d command %q, want pid %d running Spin", p.PID, p.Command, jvm.PID)
	}
	if len(p.Threads) == 0 {
		t.Fatal("no threads")
	}
	// The window is measured, so it is at least the sleep and bounded by the run.
	if p.WindowMs < liveWindow.Milliseconds()-20 || p.WindowMs > liveTimeout.Milliseconds() {
		t.Errorf("WindowMs = %d, want about %d", p.WindowMs, liveWindow.Milliseconds())
	}
	if p.ThreadCount != len(rec.End.Tasks) || p.ThreadCount < 7 {
		t.Errorf("ThreadCount = %d, end sample has %d tasks; want >= 7", p.ThreadCount, len(rec.End.Tasks))
	}
	hot := p.Threads[0]
	var nextMs int64
	if len(p.Threads) > 1 {
		nextMs = p.Threads[1].CPUMs
	}
	if hot.Name != jvmtest.HotThread {
		for _, th := range p.Threads {
			if th.Name == jvmtest.HotThread {
				jvmtest.CheckSpinnerMeasurable(t, th.CPUMs, hot.CPUMs, p.WindowMs)
			}
		}
	}
	if hot.Name != jvmtest.HotThread || !hot.InDump {
		var names []string
		for _, th := range p.Threads {
			names = append(names, th.Name+"="+strconv.FormatFloat(th.CPUPercent, 'f', 1, 64))
		}
		t.Fatalf("busiest thread %q (in dump %v), want hot-spinner; ranking %v", hot.Name, hot.InDump, names)
	}
	jvmtest.CheckSpinnerMeasurable(t, hot.CPUMs, nextMs, p.WindowMs)
	if p.CPUPercent < hot.CPUPercent {
		t.Errorf("process CPU %.1f%% below its hot thread's %.1f%%", p.CPUPercent, hot.CPUPercent)
	}
	if hot.NativeID == jvm.PID || hot.State != "RUNNABLE" || len(hot.Frames) == 0 || hot.Frames[0].Method != jvmtest.HotMethod {
		t.Errorf("hot-spinner nid %d state %q frames %+v, want RUNNABLE in Spin.spinHot", hot.NativeID, hot.State, hot.Frames)
	}
	// The hot nid is a thread of this JVM in /proc.
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(jvm.PID), "task", strconv.Itoa(hot.NativeID))); err != nil {
		t.Errorf("hot-spinner nid %d is not a task of pid %d: %v", hot.NativeID, jvm.PID, err)
	}
	all := Analyze(rec, mustParseDump(t, p.Raw), 0)
	seen := map[string]bool{}
	for _, th := range all.Threads {
		seen[th.Name] = true
		if strings.HasPrefix(th.Name, "idle-") || th.Name == jvmtest.OddName {
			if !th.InDump || th.State != "TIMED_WAITING" {
				t.Errorf("%q in dump %v state %q, want TIMED_WAITING from the dump", th.Name, th.InDump, th.State)
			}
			if th.CPUPercent*4 > hot.CPUPercent {
				t.Errorf("idle thread %q at %.1f%% CPU vs hot-spinner %.1f%%", th.Name, th.CPUPercent, hot.CPUPercent)
			}
		}
	}
	// The thread named "evil\n@sc done\n|x": its comm (15 bytes, newlines kept) reached
	// Go as data, not as a record, and its header, split over three lines, is read whole
	// from the dump: the thread is neither dropped nor known by its comm only.
	evil := 0
	for _, th := range all.Threads {
		if th.Name == "evil\n@sc done\n|x" && th.InDump && th.State == "TIMED_WAITING" {
			evil++
		}
	}
	if evil != 1 {
		t.Errorf("%d threads named \"evil\\n@sc done\\n|x\" from the dump, want 1", evil)
	}
	for _, want := range []string{"idle-0", "idle-3", jvmtest.OddName, "main", "VM Thread"} {
		if !seen[want] {
			t.Errorf("thread %q missing from the analysis", want)
		}
	}
	if len(all.Threads) != all.ThreadCount {
		t.Errorf("topN 0 kept %d of %d threads", len(all.Threads), all.ThreadCount)
	}
}

func mustParseDump(t *testing.T, text string) *Dump {
	t.Helper()
	d, err := ParseThreadDump(text)
	if err != nil {
		t.Fatalf("ParseThreadDump: %v", err)
	}
	return d
}

// onlyJVM returns the single JVM record of a probe run.
func onlyJVM(t *testing.T, out *ProbeOutput, pid int) *JVMRecord {
	t.Helper()
	if out.NoJVM || len(out.JVMs) != 1 || out.JVMs[0].PID != pid {
		t.Fatalf("probe found %d JVMs (nojvm %v), want exactly pid %d", len(out.JVMs), out.NoJVM, pid)
	}
	rec := out.JVMs[0]
	if rec.Start == nil || rec.End == nil || rec.Start.BadLines+rec.End.BadLines != 0 {
		t.Fatalf("samples start %+v end %+v, want both, all lines parsed", rec.Start, rec.End)
	}
	return rec
}

func TestProbeLiveJcmd(t *testing.T) {
	classDir := jvmtest.Compile(t)
	for _, tc := range []struct {
		name, home, version string
	}{
		{"jdk17", jvmtest.JDK17Home, "17."},
		{"jdk25", jvmtest.JDK25Home, "25."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			java := filepath.Join(tc.home, "bin", "java")
			jvmtest.RequireFile(t, java)
			jvm := jvmtest.Start(t, java, classDir)
			// PATH has no jcmd: a dump proves the probe found the one beside the JVM's java.
			out, _ := runProbe(t, "", jvmtest.ToolPath(t, fullTools...), jvm.PID)
			if out.ClkTck <= 0 || out.WindowMs != liveWindow.Milliseconds() || !out.Complete {
				t.Errorf("clk_tck %d window %d complete %v", out.ClkTck, out.WindowMs, out.Complete)
			}
			rec := onlyJVM(t, out, jvm.PID)
			if !strings.Contains(rec.Command, " -cp ") {
				t.Errorf("command %q, want arguments separated by spaces", rec.Command)
			}
			if rec.DumpSource != SourceJcmd || rec.DumpExit != 0 || rec.SigquitSent || len(rec.Errors) > 0 {
				t.Fatalf("dump source %q exit %d sigquit %v errors %q, want jcmd, 0", rec.DumpSource, rec.DumpExit, rec.SigquitSent, rec.Errors)
			}
			dump := mustParseDump(t, rec.DumpText)
			if !strings.Contains(dump.JVM, "("+tc.version) || !dump.Complete {
				t.Errorf("banner %q complete %v, want a complete JDK %s dump", dump.JVM, dump.Complete, tc.version)
			}
			p := Analyze(rec, dump, 5)
			if len(p.Threads) != 5 || p.DumpSource != SourceJcmd || p.JVM != dump.JVM || p.Raw == "" {
				t.Errorf("Analyze: %d threads, source %q, jvm %q, raw %d bytes", len(p.Threads), p.DumpSource, p.JVM, len(p.Raw))
			}
			assertSpinnerFirst(t, rec, p, jvm)
		})
	}
}

func TestProbeLiveSigquit(t *testing.T) {
	classDir := jvmtest.Compile(t)
	java := jvmtest.JREOnly(t, jvmtest.JDK17Home)
	jvm := jvmtest.Start(t, java, classDir)
	if exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(jvm.PID), "exe")); err != nil || exe != java {
		t.Fatalf("/proc/%d/exe = %q (%v), want the JRE-only %s", jvm.PID, exe, err, java)
	}

	// Only sleep and date: the probe runs on builtins (no sed, tr, readlink, getconf).
	before := time.Now().Add(-time.Second)
	out, _ := runProbe(t, "", jvmtest.ToolPath(t, "sleep", "date"), jvm.PID)
	rec := onlyJVM(t, out, jvm.PID)
	if out.ClkTck != 0 {
		t.Errorf("clk_tck %d without getconf", out.ClkTck)
	}
	if !rec.SigquitSent || rec.DumpSource != SourceSigquit || rec.DumpText != "" || rec.SigquitReason != "no jcmd or jstack found" {
		t.Fatalf("sigquit %v source %q reason %q errors %q, want SIGQUIT for lack of tools", rec.SigquitSent, rec.DumpSource, rec.SigquitReason, rec.Errors)
	}
	if rec.SigquitAt.Before(before.Truncate(time.Second)) || rec.SigquitAt.After(time.Now()) {
		t.Errorf("SigquitAt %v, want between %v and now", rec.SigquitAt, before)
	}

	// The dump lands in the JVM's stdout (the container log); read it back.
	var text string
	deadline := time.Now().Add(liveTimeout)
	for {
		b, _ := os.ReadFile(jvm.Stdout)
		var complete bool
		if text, complete = DumpFromLog(string(b)); complete {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete dump in the JVM's stdout after SIGQUIT:\n%s", clip(string(b), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(text, "ready pid=") {
		t.Error("the extracted dump holds the application's output")
	}
	p := Analyze(rec, mustParseDump(t, text), 3)
	if p.DumpSource != SourceSigquit || len(p.Threads) != 3 {
		t.Errorf("source %q, %d threads", p.DumpSource, len(p.Threads))
	}
	assertSpinnerFirst(t, rec, p, jvm)
}

// TestProbeLiveJavaHome: no jcmd beside the JVM's java nor on PATH, but the JVM's own
// $JAVA_HOME (here JDK 25's, attaching to a JDK 17 JVM) has one.
func TestProbeLiveJavaHome(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.StartEnv(t, jvmtest.JREOnly(t, jvmtest.JDK17Home), classDir, []string{"JAVA_HOME=" + jvmtest.JDK25Home})
	out, _ := runProbe(t, "", jvmtest.ToolPath(t, fullTools...), jvm.PID)
	rec := onlyJVM(t, out, jvm.PID)
	if rec.DumpSource != SourceJcmd || rec.SigquitSent || len(rec.Errors) > 0 {
		t.Fatalf("source %q sigquit %v errors %q, want jcmd from $JAVA_HOME/bin", rec.DumpSource, rec.SigquitSent, rec.Errors)
	}
	assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, rec.DumpText), 3), jvm)
}

// TestProbeLiveXrs: a JVM started with -Xrs does not catch SIGQUIT, so SIGQUIT (from
// kill -3, or from a jcmd starting the attach listener) would terminate it. Such a JVM
// opens its attach socket at startup; the probe attaches only through that socket.
func TestProbeLiveXrs(t *testing.T) {
	classDir := jvmtest.Compile(t)
	tests := []struct {
		name         string
		copied       bool // a JDK without jcmd beside java
		removeSocket bool // as a /tmp cleaner would
		wantSource   DumpSource
		wantErr      string
	}{
		{"no tools", true, false, "", "no jcmd or jstack found and the JVM does not catch SIGQUIT (-Xrs)"},
		{"attach socket present", false, false, SourceJcmd, ""},
		{"attach socket removed", false, true, "", "has no attach socket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			java := filepath.Join(jvmtest.JDK17Home, "bin", "java")
			if tc.copied {
				java = jvmtest.JREOnly(t, jvmtest.JDK17Home)
			}
			jvm := jvmtest.Start(t, java, classDir, "-Xrs")
			socket := filepath.Join("/tmp", ".java_pid"+strconv.Itoa(jvm.PID))
			if tc.removeSocket {
				if err := os.Remove(socket); err != nil {
					t.Fatalf("a -Xrs JVM opens its attach socket at startup: %v", err)
				}
			}
			out, _ := runProbe(t, "", jvmtest.ToolPath(t, fullTools...), jvm.PID)
			rec := onlyJVM(t, out, jvm.PID)
			if rec.SigquitSent || rec.DumpSource != tc.wantSource {
				t.Fatalf("sigquit %v source %q errors %q, want source %q and no SIGQUIT", rec.SigquitSent, rec.DumpSource, rec.Errors, tc.wantSource)
			}
			if tc.wantErr == "" && len(rec.Errors) > 0 || tc.wantErr != "" && (len(rec.Errors) != 1 || !strings.Contains(rec.Errors[0], tc.wantErr)) {
				t.Fatalf("errors %q, want %q", rec.Errors, tc.wantErr)
			}
			// A SIGQUIT would have killed it (the kernel reaps it slowly when it dumps core).
			for range 10 {
				b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(jvm.PID), "stat"))
				if err != nil || strings.Contains(string(b), ") Z ") || strings.Contains(string(b), ") X ") {
					t.Fatalf("the -Xrs JVM died: %v %s", err, b)
				}
				time.Sleep(50 * time.Millisecond)
			}
			var dump *Dump
			if rec.DumpText != "" {
				dump = mustParseDump(t, rec.DumpText)
			}
			p := Analyze(rec, dump, 3)
			var nextMs int64
			if len(p.Threads) > 1 {
				nextMs = p.Threads[1].CPUMs
			}
			jvmtest.CheckSpinnerMeasurable(t, p.Threads[0].CPUMs, nextMs, p.WindowMs)
			if p.Threads[0].InDump != (dump != nil) || !strings.Contains(p.Error, tc.wantErr) {
				t.Errorf("top thread %+v error %q, want the busiest thread, from /proc only when there is no dump", p.Threads[0], p.Error)
			}
		})
	}
}

func TestProbeShells(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classDir)
	for _, shell := range []string{"dash", "bash --posix", "busybox sh"} {
		t.Run(strings.Fields(shell)[0], func(t *testing.T) {
			if _, err := exec.LookPath(strings.Fields(shell)[0]); err != nil {
				if strings.HasPrefix(shell, "busybox") {
					t.Skip("busybox is not installed (apt-get install busybox)")
				}
				t.Fatalf("%s is required: %v", shell, err)
			}
			out, _ := runProbe(t, shell, jvmtest.ToolPath(t, fullTools...), jvm.PID)
			rec := onlyJVM(t, out, jvm.PID)
			if rec.DumpSource != SourceJcmd {
				t.Fatalf("source %q errors %q", rec.DumpSource, rec.Errors)
			}
			assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, rec.DumpText), 3), jvm)
		})
	}
}

func TestProbeNoJVM(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), liveTimeout)
	defer cancel()
	sleep := exec.CommandContext(ctx, "sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sleep.Process.Kill()
		_ = sleep.Wait()
	})
	// A non-JVM and a pid that does not exist: neither is a JVM.
	out, raw := runProbe(t, "", jvmtest.ToolPath(t, fullTools...), sleep.Process.Pid, 1<<30)
	if !out.NoJVM || len(out.JVMs) != 0 || !out.Complete {
		t.Fatalf("NoJVM %v, %d JVMs, complete %v; output:\n%s", out.NoJVM, len(out.JVMs), out.Complete, raw)
	}
}
