package jvm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// These tests cover the early dump tool: the probe starts jcmd before the window, jcmd waits
// for its command on a pipe, and the dump is taken once the window has closed.

// probeRun is one run of the embedded probe against live JVMs.
type probeRun struct {
	path string   // PATH inside the "container"
	env  []string // more NAME=value entries
	pids []int
}

// run runs the probe the way runProbe does, with r.env added to its environment.
func (r probeRun) run(t *testing.T) (*ProbeOutput, []byte) {
	t.Helper()
	argv := ProbeArgs(liveWindow)
	var ids []string
	for _, p := range r.pids {
		ids = append(ids, strconv.Itoa(p))
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(ProbeScript())
	cmd.Env = append(jvmtest.WithoutEnv(os.Environ(), "PATH", "STACKCAPTURE_PIDS", "STACKCAPTURE_OVERLAP"),
		"PATH="+r.path, "STACKCAPTURE_PIDS="+strings.Join(ids, " "))
	cmd.Env = append(cmd.Env, r.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("probe: %v\nstderr:\n%s", err, stderr.String())
	}
	out, err := ParseProbeOutput(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		t.Fatalf("ParseProbeOutput: %v\nstdout:\n%s\nstderr:\n%s", err, clip(stdout.String(), 4000), stderr.String())
	}
	if len(out.Notes) > 0 || stderr.Len() > 0 {
		t.Errorf("protocol notes %q; stderr:\n%s", out.Notes, stderr.String())
	}
	return out, stdout.Bytes()
}

// uptimeClock converts /proc/uptime seconds (the probe's sample clock) to wall-clock time.
type uptimeClock struct{ boot time.Time }

func newUptimeClock(t *testing.T) uptimeClock {
	t.Helper()
	b, err := os.ReadFile("/proc/uptime")
	now := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	up, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		t.Fatalf("/proc/uptime %q: %v", b, err)
	}
	return uptimeClock{boot: now.Add(-time.Duration(up * float64(time.Second)))}
}

func (c uptimeClock) at(uptime float64) time.Time {
	return c.boot.Add(time.Duration(uptime * float64(time.Second)))
}

// dumpSafepoints returns when the JVM began each thread-dump safepoint (PrintThreads on
// JDK 17, ThreadDump on later JDKs), from its -Xlog:safepoint file with the utctime decoration.
func dumpSafepoints(t *testing.T, logPath string) []time.Time {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("read safepoint log: %v", err)
	}
	var at []time.Time
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, `Safepoint "PrintThreads"`) && !strings.Contains(l, `Safepoint "ThreadDump"`) {
			continue
		}
		// [2026-12-01T15:48:02.123+0000][safepoint] Safepoint "PrintThreads", Time since last: …
		stamp, _, ok := strings.Cut(strings.TrimPrefix(l, "["), "]")
		if !ok {
			t.Fatalf("safepoint line without a time: %q", l)
		}
		ts, err := time.Parse("2006-01-02T15:04:05.000-0700", stamp)
		if err != nil {
			t.Fatalf("safepoint line %q: %v", l, err)
		}
		// The line is logged when the safepoint ends; "Total: N ns" is how long it took.
		at = append(at, ts.Add(-safepointLineTotal(l)))
	}
	return at
}

func safepointLineTotal(line string) time.Duration {
	_, rest, ok := strings.Cut(line, "Total: ")
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

// clockSlack covers /proc/uptime's 10 ms resolution and the JVM log's 1 ms.
const clockSlack = 25 * time.Millisecond

// TestProbeLiveOverlap: the early dump tool (the probe's attach client where mktemp lets it
// write its class, else jcmd) starts before the window, yet the dump (its safepoint in the
// target's own log) is taken after the end sample; the spinner still ranks first; a JVM never
// attached before gets its attach listener started by the probe, without a SIGQUIT thread
// dump in its log and without a leftover attach file or client directory. On JDK 25 the
// client asks for the reply without streaming, as the target's attach log shows.
func TestProbeLiveOverlap(t *testing.T) {
	classDir := jvmtest.Compile(t)
	for _, tc := range []struct{ name, home string }{
		{"jdk17", jvmtest.JDK17Home},
		{"jdk25", jvmtest.JDK25Home},
	} {
		for _, tool := range []struct {
			name   string
			extra  []string // besides fullTools; rm: the trigger file must be removable
			source DumpSource
		}{
			{"jcmd", []string{"rm"}, SourceJcmd},
			{"attach client", []string{"rm", "mktemp"}, SourceAttach},
		} {
			t.Run(tc.name+"/"+tool.name, func(t *testing.T) {
				java := filepath.Join(tc.home, "bin", "java")
				jvmtest.RequireFile(t, java)
				logDir := t.TempDir()
				logPath, attachLog := filepath.Join(logDir, "safepoint.log"), filepath.Join(logDir, "attach.log")
				jvm := jvmtest.Start(t, java, classDir, "-Xlog:safepoint:file="+logPath+":utctime",
					"-Xlog:attach=debug:file="+attachLog)
				socket := filepath.Join("/tmp", ".java_pid"+strconv.Itoa(jvm.PID))
				if _, err := os.Stat(socket); err == nil {
					t.Fatalf("%s exists before any attach", socket)
				}
				clientDirsBefore := attachClientDirs(t)
				clock := newUptimeClock(t)
				out, _ := probeRun{path: jvmtest.ToolPath(t, append(fullTools, tool.extra...)...), pids: []int{jvm.PID}}.run(t)
				rec := onlyJVM(t, out, jvm.PID)
				if rec.DumpSource != tool.source || rec.DumpExit != 0 || len(rec.Errors) > 0 {
					t.Fatalf("source %q exit %d errors %q, want %s", rec.DumpSource, rec.DumpExit, rec.Errors, tool.source)
				}
				// The probe's trigger started the listener during the window: its thread is in
				// the end sample. Left to the tool, it would start only after the window.
				listener := false
				for _, task := range rec.End.Tasks {
					listener = listener || task.Comm == "Attach Listener"
				}
				if !listener {
					t.Error("no Attach Listener thread in the end sample: the listener was not started during the window")
				}
				assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, rec.DumpText), 5), jvm)

				start, end := clock.at(rec.Start.Uptime), clock.at(rec.End.Uptime)
				dumps := dumpSafepoints(t, logPath)
				if len(dumps) != 1 {
					t.Fatalf("%d thread-dump safepoints, want 1", len(dumps))
				}
				if dumps[0].Before(end.Add(-clockSlack)) {
					t.Errorf("dump safepoint at %s, before the end sample at %s (window from %s)",
						dumps[0].Format(time.StampMilli), end.Format(time.StampMilli), start.Format(time.StampMilli))
				}

				// The listener was started by the probe's own trigger: the socket exists, the
				// trigger file is gone, and SIGQUIT printed nothing to the JVM's stdout.
				if _, err := os.Stat(socket); err != nil {
					t.Errorf("attach socket: %v", err)
				}
				if _, err := os.Stat(filepath.Join("/tmp", ".attach_pid"+strconv.Itoa(jvm.PID))); !os.IsNotExist(err) {
					t.Errorf("attach trigger file left behind: %v", err)
				}
				if b, _ := os.ReadFile(jvm.Stdout); bytes.Contains(b, []byte("Full thread dump")) {
					t.Errorf("the JVM printed a SIGQUIT dump to its log:\n%s", clip(string(b), 1000))
				}
				if left := newEntries(attachClientDirs(t), clientDirsBefore); len(left) > 0 {
					t.Errorf("the attach client's directory was left behind: %v", left)
				}
				// JDK 24+ streams a reply while the VM holds the safepoint unless asked not to
				// (JDK-8319055): the target then stays paused as long as the tool takes to read.
				if tc.name == "jdk25" {
					b, err := os.ReadFile(attachLog)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Contains(b, []byte("executing command jcmd, streaming output: 0")) {
						t.Errorf("the dump was not asked for without streaming; the target's attach log:\n%s", clip(string(b), 2000))
					}
				}
			})
		}
	}
}

// attachClientDirs lists the attach client's directories under /tmp.
func attachClientDirs(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob("/tmp/.stackcapture-attach.*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newEntries(after, before []string) []string {
	var added []string
	for _, a := range after {
		if !slices.Contains(before, a) {
			added = append(added, a)
		}
	}
	return added
}

// TestProbeLiveOverlapFallback: a jcmd that cannot take its command from a file (its early
// run fails before attaching) is run again the ordinary way, and the capture is complete.
// STACKCAPTURE_OVERLAP=0 takes the ordinary path from the start; both rank the spinner first.
func TestProbeLiveOverlapFallback(t *testing.T) {
	classDir := jvmtest.Compile(t)
	realJcmd := filepath.Join(jvmtest.JDK17Home, "bin", "jcmd")
	jvmtest.RequireFile(t, realJcmd)
	java := jvmtest.JREOnly(t, jvmtest.JDK17Home)
	// A jcmd without -f, in front of the real one: the JRE-only image's bin has only java.
	noFile := fmt.Sprintf("#!/bin/sh\ncase \" $* \" in *' -f '*) echo 'Error parsing arguments: -f' >&2; exit 1 ;; esac\nexec %s \"$@\"\n", realJcmd)
	if err := os.WriteFile(filepath.Join(filepath.Dir(java), "jcmd"), []byte(noFile), 0o755); err != nil {
		t.Fatal(err)
	}
	jvm := jvmtest.Start(t, java, classDir)
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"jcmd without -f", nil},
		{"overlap off", []string{"STACKCAPTURE_OVERLAP=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := probeRun{path: jvmtest.ToolPath(t, fullTools...), env: tc.env, pids: []int{jvm.PID}}.run(t)
			rec := onlyJVM(t, out, jvm.PID)
			if rec.DumpSource != SourceJcmd || rec.DumpExit != 0 || rec.SigquitSent || len(rec.Errors) > 0 {
				t.Fatalf("source %q exit %d sigquit %v errors %q, want jcmd run the ordinary way", rec.DumpSource, rec.DumpExit, rec.SigquitSent, rec.Errors)
			}
			assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, rec.DumpText), 5), jvm)
		})
	}
}

// TestProbeLiveJREOnlySingleDump: with no tool the probe neither starts one early nor
// triggers the attach listener: exactly one SIGQUIT, one dump in the log.
func TestProbeLiveJREOnlySingleDump(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.Start(t, jvmtest.JREOnly(t, jvmtest.JDK25Home), classDir)
	out, _ := probeRun{path: jvmtest.ToolPath(t, fullTools...), pids: []int{jvm.PID}}.run(t)
	rec := onlyJVM(t, out, jvm.PID)
	if !rec.SigquitSent || rec.SigquitReason != "no jcmd or jstack found" {
		t.Fatalf("sigquit %v reason %q errors %q", rec.SigquitSent, rec.SigquitReason, rec.Errors)
	}
	deadline := time.Now().Add(liveTimeout)
	for {
		b, _ := os.ReadFile(jvm.Stdout)
		if text, complete := DumpFromLog(string(b)); complete {
			if n := bytes.Count(b, []byte("Full thread dump")); n != 1 {
				t.Errorf("%d dumps in the log, want 1", n)
			}
			assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, text), 3), jvm)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete dump in the JVM's log:\n%s", clip(string(b), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join("/tmp", ".java_pid"+strconv.Itoa(jvm.PID))); err == nil {
		t.Error("the attach listener was started for a JVM without tools")
	}
}

// TestProbeLiveAttachDisabled: a JVM with -XX:+DisableAttachMechanism answers SIGQUIT with a
// dump, not by starting a listener, so the probe must not trigger one: jcmd fails, the probe
// falls back to kill -3, and the log holds exactly one dump.
func TestProbeLiveAttachDisabled(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classDir, "-XX:+DisableAttachMechanism")
	out, _ := probeRun{path: jvmtest.ToolPath(t, append(fullTools, "rm")...), pids: []int{jvm.PID}}.run(t)
	rec := onlyJVM(t, out, jvm.PID)
	if !rec.SigquitSent || rec.SigquitReason != "jcmd failed" || len(rec.Errors) != 1 || !strings.Contains(rec.Errors[0], "attach failed: jcmd") {
		t.Fatalf("sigquit %v reason %q errors %q, want jcmd's attach failure, then SIGQUIT", rec.SigquitSent, rec.SigquitReason, rec.Errors)
	}
	deadline := time.Now().Add(liveTimeout)
	for {
		b, _ := os.ReadFile(jvm.Stdout)
		if _, complete := DumpFromLog(string(b)); complete {
			// A second dump, if any, follows within moments of the first.
			time.Sleep(time.Second)
			b, _ = os.ReadFile(jvm.Stdout)
			if n := bytes.Count(b, []byte("Full thread dump")); n != 1 {
				t.Errorf("%d dumps in the log, want 1", n)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete dump in the JVM's log:\n%s", clip(string(b), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
