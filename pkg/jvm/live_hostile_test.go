package jvm

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// liveHostileNames are thread names a live JVM is given: line breaks, quotes, brackets, tabs, a
// complete fake header line, fake state, frame and lock lines, fake dump structure, and headers
// in both JDKs' formats whose nid is 1 (the launcher thread of a JVM running as PID 1). The
// first is a whole fake thread block; the last is plain.
var liveHostileNames = []string{
	"x\n" + `"fake" #1 prio=5 os_prio=0 cpu=0.10ms elapsed=1.00s tid=0x00007f0000000001 nid=0x1 runnable  [0x00007f0000000000]` +
		"\n   java.lang.Thread.State: RUNNABLE\n\tat fake.Fake.hide(Fake.java:1)\n\n\"y",
	"line one\nline two",
	`quote "inside" and [brackets] {braces} (parens)`,
	"tab\there\t",
	`"fake" #1 prio=5 os_prio=0 cpu=0.10ms elapsed=1.00s tid=0x00007f0000000001 nid=0x1 runnable  [0x00007f0000000000]`,
	"s\n   java.lang.Thread.State: BLOCKED (on object monitor)\n\tat fake.Fake.hide(Fake.java:1)\n\t- locked <0x0000000000000001> (a fake.Lock)",
	"\n\n",
	"j\nJNI global refs: 1, weak refs: 0\n\nFull thread dump fake:\n",
	"v\n" + `"VM Thread" os_prio=0 cpu=1.00ms elapsed=1.00s tid=0x00007f00000000ff nid=0x1 runnable  ` + "\n",
	"d\nFound one Java-level deadlock:\n=============================\n\"deadlock-1\":",
	"n\n" + `"fake25" #30 [1] daemon prio=5 os_prio=0 cpu=0.10ms elapsed=1.00s tid=0x00007f0000000002 nid=1 runnable  [0x00007f0000000000]`,
	"hot-spinner",
}

// hostileDump takes a dump of jvm the way path says and returns the probe's record and the
// parsed dump. pidInProbe is the JVM's pid where the probe runs.
func hostileDump(t *testing.T, jvm jvmtest.JVM, path, shell string, pidInProbe int) (*JVMRecord, *Dump) {
	t.Helper()
	tools := fullTools
	if path == "attach" {
		// mktemp and rm: the probe writes its attach client's class to a new directory.
		tools = append(slices.Clip(fullTools), "mktemp", "rm")
	}
	out, _ := runProbe(t, shell, jvmtest.ToolPath(t, tools...), pidInProbe)
	rec := onlyJVM(t, out, pidInProbe)
	wantSource := map[string]DumpSource{"attach": SourceAttach, "jcmd": SourceJcmd, "jstack": SourceJstack, "sigquit": SourceSigquit}[path]
	if rec.DumpSource != wantSource || len(rec.Errors) > 0 {
		t.Fatalf("dump source %q errors %q, want %s", rec.DumpSource, rec.Errors, wantSource)
	}
	text := rec.DumpText
	if path == "sigquit" {
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
	}
	return rec, mustParseDump(t, text)
}

// assertHostileDump: every thread the JVM has is read once, with its name whole; none is
// invented; the busiest is the hot one, with its own stack.
func assertHostileDump(t *testing.T, rec *JVMRecord, d *Dump, names []string, hot int) Process {
	t.Helper()
	if !d.Complete || len(d.Problems) > 0 {
		t.Errorf("complete %v problems %q", d.Complete, d.Problems)
	}
	java := 0
	count := map[string]int{}
	for _, th := range d.Threads {
		if th.JavaID != 0 {
			java++
		}
		count[th.Name]++
		for _, f := range th.Frames {
			if strings.HasPrefix(f.Method, "fake.") {
				t.Errorf("thread %q has a frame from a thread name: %+v", th.Name, f)
			}
		}
	}
	// The dump's own count (its SMR list) is the truth: no Java thread invented or dropped.
	if d.JavaThreads == 0 || java != d.JavaThreads {
		t.Errorf("read %d Java threads, the dump lists %d", java, d.JavaThreads)
	}
	for _, n := range names {
		if count[n] != 1 {
			t.Errorf("thread %q read %d times, want once", n, count[n])
		}
	}
	tids := map[int]bool{}
	for _, st := range append(append([]TaskStat(nil), rec.Start.Tasks...), rec.End.Tasks...) {
		tids[st.TID] = true
	}
	ours := map[string]bool{}
	for _, n := range names {
		ours[n] = true
	}
	for _, th := range d.Threads {
		// Only the test's threads: the attach listener starts after the samples.
		if ours[th.Name] && !tids[th.NativeID] {
			t.Errorf("thread %q has nid %d, not a thread of the JVM in /proc", th.Name, th.NativeID)
		}
	}
	p := Analyze(rec, d, 5)
	if p.Error != "" {
		t.Errorf("Process.Error = %q", p.Error)
	}
	top := p.Threads[0]
	if top.Name != names[hot] || !top.InDump || top.State != "RUNNABLE" || len(top.Frames) == 0 || top.Frames[0].Method != jvmtest.NamedHotMethod {
		t.Errorf("busiest thread %q in dump %v state %q frames %+v, want %q in %s", top.Name, top.InDump, top.State, top.Frames, names[hot], jvmtest.NamedHotMethod)
	}
	return p
}

// TestProbeLiveHostileNames runs JVMs whose thread names try to pass for dump text, on both
// JDKs and through all four dump paths (the attach client, jcmd, jstack, kill -3), with the hot
// thread under a hostile name and under a plain name after the hostile ones.
func TestProbeLiveHostileNames(t *testing.T) {
	classDir := jvmtest.Compile(t)
	for _, jdk := range []struct{ name, home string }{{"jdk17", jvmtest.JDK17Home}, {"jdk25", jvmtest.JDK25Home}} {
		for _, path := range []string{"attach", "jcmd", "jstack", "sigquit"} {
			for _, hot := range []int{0, len(liveHostileNames) - 1} {
				t.Run(jdk.name+"/"+path+"/hot="+strconv.Itoa(hot), func(t *testing.T) {
					if hot != 0 && path != "jcmd" && path != "attach" {
						t.Skip("the plain hot thread is covered on the attach client and jcmd; the hostile hot thread on every path")
					}
					java := filepath.Join(jdk.home, "bin", "java")
					jvmtest.RequireFile(t, java)
					switch path {
					case "jstack":
						java = jvmtest.JREWith(t, jdk.home, "jstack")
					case "sigquit":
						java = jvmtest.JREOnly(t, jdk.home)
					}
					jvm := jvmtest.StartNamed(t, java, classDir, liveHostileNames, "-Dnamed.hot="+strconv.Itoa(hot))
					rec, d := hostileDump(t, jvm, path, "", jvm.PID)
					assertHostileDump(t, rec, d, liveHostileNames, hot)
				})
			}
		}
	}
}

// TestProbeLiveHostileNamesPID1: the JVM is PID 1 of its PID namespace, as in a container whose
// entrypoint is java, and the probe runs in that namespace. Its launcher thread has tid 1, the
// nid of the fake headers in the names: the launcher must stay a /proc-only thread, not take
// the hot thread's stack.
func TestProbeLiveHostileNamesPID1(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a new PID namespace needs root")
	}
	classDir := jvmtest.Compile(t)
	for _, jdk := range []struct{ name, home string }{{"jdk17", jvmtest.JDK17Home}, {"jdk25", jvmtest.JDK25Home}} {
		for _, path := range []string{"attach", "jcmd", "sigquit"} {
			t.Run(jdk.name+"/"+path, func(t *testing.T) {
				java := filepath.Join(jdk.home, "bin", "java")
				jvmtest.RequireFile(t, java)
				if path == "sigquit" {
					java = jvmtest.JREOnly(t, jdk.home)
				}
				jvm := jvmtest.StartNamedPID1(t, java, classDir, liveHostileNames)
				if jvm.NSPID != 1 {
					t.Fatalf("the JVM is pid %d in its namespace, want 1", jvm.NSPID)
				}
				rec, d := hostileDump(t, jvm, path, jvmtest.NamespaceShell(jvm), 1)
				p := assertHostileDump(t, rec, d, liveHostileNames, 0)
				all := Analyze(rec, d, 0)
				launcher := false
				for _, th := range all.Threads {
					if th.NativeID == 1 {
						launcher = true
						if th.InDump || len(th.Frames) > 0 {
							t.Errorf("the launcher thread (tid 1) joined to a dump thread: %q frames %+v", th.Name, th.Frames)
						}
					}
				}
				if !launcher {
					t.Errorf("no thread with tid 1 in /proc; threads %d, busiest %q", len(all.Threads), p.Threads[0].Name)
				}
			})
		}
	}
}
