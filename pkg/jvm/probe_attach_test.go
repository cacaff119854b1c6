package jvm

import (
	"bytes"
	"context"
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

// attachTools are fullTools plus what the attach client needs: mktemp for its directory, rm
// to remove it (and the attach trigger file).
var attachTools = append(slices.Clip(fullTools), "mktemp", "rm")

// TestProbeLiveAttachJREOnly: an image with only java (a JRE) had no dump tool, so the probe
// fell back to kill -3 and read the dump back from the log. The attach client runs on the
// JVM's own java: a real dump, no SIGQUIT, on JDK 17 and 25.
func TestProbeLiveAttachJREOnly(t *testing.T) {
	classDir := jvmtest.Compile(t)
	for _, jdk := range []struct{ name, home string }{{"jdk17", jvmtest.JDK17Home}, {"jdk25", jvmtest.JDK25Home}} {
		t.Run(jdk.name, func(t *testing.T) {
			jvm := jvmtest.Start(t, jvmtest.JREOnly(t, jdk.home), classDir)
			out, _ := probeRun{path: jvmtest.ToolPath(t, attachTools...), pids: []int{jvm.PID}}.run(t)
			rec := onlyJVM(t, out, jvm.PID)
			if rec.DumpSource != SourceAttach || rec.DumpExit != 0 || rec.SigquitSent || len(rec.Errors) > 0 {
				t.Fatalf("source %q exit %d sigquit %v errors %q, want the attach client's dump", rec.DumpSource, rec.DumpExit, rec.SigquitSent, rec.Errors)
			}
			assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, rec.DumpText), 3), jvm)
			if b, _ := os.ReadFile(jvm.Stdout); bytes.Contains(b, []byte("Full thread dump")) {
				t.Error("the JVM printed a SIGQUIT dump to its log")
			}
		})
	}
}

// TestProbeLiveAttachNeedsJava16: the client needs unix sockets in java.nio (Java 16). A JVM
// whose release file names an older Java keeps the JDK's own tools, and no directory is made.
func TestProbeLiveAttachNeedsJava16(t *testing.T) {
	classDir := jvmtest.Compile(t)
	for _, version := range []string{"11.0.25", "1.8.0_432"} {
		t.Run(version, func(t *testing.T) {
			java := jvmtest.JREWith(t, jvmtest.JDK17Home, "jcmd")
			release := filepath.Join(filepath.Dir(filepath.Dir(java)), "release")
			if err := os.Remove(release); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(release, []byte("JAVA_VERSION=\""+version+"\"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			jvm := jvmtest.Start(t, java, classDir)
			before := attachClientDirs(t)
			out, _ := probeRun{path: jvmtest.ToolPath(t, attachTools...), pids: []int{jvm.PID}}.run(t)
			rec := onlyJVM(t, out, jvm.PID)
			if rec.DumpSource != SourceJcmd || len(rec.Errors) > 0 {
				t.Fatalf("source %q errors %q, want jcmd for Java %s", rec.DumpSource, rec.Errors, version)
			}
			if left := newEntries(attachClientDirs(t), before); len(left) > 0 {
				t.Errorf("a client directory was made for Java %s: %v", version, left)
			}
		})
	}
}

// TestProbeLiveAttachFailsThenTools: with -XX:+DisableAttachMechanism there is no socket. The
// client fails after reading its command; jcmd still gets its turn (and fails the same way),
// then kill -3: both failures are recorded, and the log holds exactly one dump.
func TestProbeLiveAttachFailsThenTools(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classDir, "-XX:+DisableAttachMechanism")
	out, _ := probeRun{path: jvmtest.ToolPath(t, attachTools...), pids: []int{jvm.PID}}.run(t)
	rec := onlyJVM(t, out, jvm.PID)
	if !rec.SigquitSent || rec.SigquitReason != "jcmd failed" || len(rec.Errors) != 2 ||
		!strings.Contains(rec.Errors[0], "attach failed: attach exited 3") || !strings.Contains(rec.Errors[1], "attach failed: jcmd") {
		t.Fatalf("sigquit %v reason %q errors %q, want the client's failure, jcmd's, then SIGQUIT", rec.SigquitSent, rec.SigquitReason, rec.Errors)
	}
	deadline := time.Now().Add(liveTimeout)
	for {
		b, _ := os.ReadFile(jvm.Stdout)
		if text, complete := DumpFromLog(string(b)); complete {
			time.Sleep(time.Second) // a second dump, if any, follows within moments
			b, _ = os.ReadFile(jvm.Stdout)
			if n := bytes.Count(b, []byte("Full thread dump")); n != 1 {
				t.Errorf("%d dumps in the log, want 1", n)
			}
			// The dump is whole and its thread ranks first; the failures stay on the record.
			p := Analyze(rec, mustParseDump(t, text), 3)
			if len(p.Threads) == 0 || p.Threads[0].Name != jvmtest.HotThread || !p.Threads[0].InDump {
				t.Errorf("threads %+v, want %s first, with its stack", p.Threads, jvmtest.HotThread)
			}
			if !strings.Contains(p.Error, "attach exited 3") {
				t.Errorf("Process.Error %q does not name the client's failure", p.Error)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete dump in the JVM's log:\n%s", clip(string(b), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestProbeSkipsAttachClient: another probe's attach client (a java waiting for its command)
// is not a JVM to capture, while the JVM beside it is.
func TestProbeSkipsAttachClient(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classDir)

	dir, err := os.MkdirTemp("/tmp", ".stackcapture-attach.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "StackCaptureAttach.class"), attachClass, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveTimeout)
	defer cancel()
	client := exec.CommandContext(ctx, filepath.Join(jvmtest.JDK17Home, "bin", "java"), "-cp", dir, "StackCaptureAttach",
		"1", filepath.Join(dir, "no-socket"), "60")
	stdin, err := client.StdinPipe() // held open: the client waits for its command
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = client.Process.Kill()
		_ = client.Wait()
	})
	// Until its JVM has mapped libjvm.so, the client would not look like a JVM anyway.
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(client.Process.Pid), "maps"))
		return bytes.Contains(b, []byte("libjvm.so"))
	})

	out, _ := runProbe(t, "", jvmtest.ToolPath(t, fullTools...), client.Process.Pid, jvm.PID)
	if len(out.JVMs) != 1 || out.JVMs[0].PID != jvm.PID {
		var pids []int
		for _, j := range out.JVMs {
			pids = append(pids, j.PID)
		}
		t.Fatalf("JVMs %v, want only %d (the client is %d)", pids, jvm.PID, client.Process.Pid)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
