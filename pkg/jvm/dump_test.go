package jvm

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/sharedfixtures"
)

// threadDumpFixture reads a file of ../shared/fixtures/threaddumps; a missing file fails
// the test: these fixtures pin the formats the parser must keep reading.
func threadDumpFixture(tb testing.TB, name string) string {
	tb.Helper()
	return sharedfixtures.ThreadDump(tb, name)
}

// headerLines counts thread header lines the way a person would: lines starting with a
// quote, minus the deadlock report's `"deadlock-1":` lines.
func headerLines(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, `"`) && !strings.HasSuffix(strings.TrimSpace(l), `":`) {
			n++
		}
	}
	return n
}

const warmName = `warm "quoted" (parens) 工作线程`

func TestParseThreadDumpFixtures(t *testing.T) {
	tests := []struct {
		file        string
		jvm         string
		hotNID      int
		warmNID     int
		vmThreadNID int
		withOwned   bool // -l output lists "Locked ownable synchronizers"
		hotJavaID   int64
	}{
		{"jdk17-jcmd-threadprint.txt", "OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)", 0x2d6e, 0x2d6f, 0x2d62, true, 12},
		{"jdk17-jstack-l.txt", "OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)", 0x2d6e, 0x2d6f, 0x2d62, true, 12},
		{"jdk17-sigquit-stdout.txt", "OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)", 0x2d6e, 0x2d6f, 0x2d62, false, 12},
		{"jdk25-jcmd-threadprint.txt", "OpenJDK 64-Bit Server VM (25.0.3+9-LTS mixed mode, sharing)", 11789, 11790, 11779, true, 21},
		{"jdk25-jstack-l.txt", "OpenJDK 64-Bit Server VM (25.0.3+9-LTS mixed mode, sharing)", 11789, 11790, 11779, true, 21},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			text := threadDumpFixture(t, tc.file)
			d, err := ParseThreadDump(text)
			if err != nil {
				t.Fatalf("ParseThreadDump: %v", err)
			}
			if d.JVM != tc.jvm {
				t.Errorf("JVM = %q, want %q", d.JVM, tc.jvm)
			}
			if !isDumpTimestamp(d.Timestamp) {
				t.Errorf("Timestamp = %q, want the line before the banner", d.Timestamp)
			}
			if !d.Complete {
				t.Error("Complete = false, want true")
			}
			if want := headerLines(text); len(d.Threads) != want {
				t.Errorf("%d threads, want %d (header lines in the file)", len(d.Threads), want)
			}
			if strings.Contains(d.Raw, "ready pid=") || strings.Contains(d.Raw, "garbage-first heap") {
				t.Error("Raw holds the application output or heap summary around the dump")
			}
			if !strings.HasPrefix(d.Raw, d.Timestamp+"\n"+"Full thread dump ") || !strings.HasSuffix(d.Raw, "Found 1 deadlock.") {
				t.Errorf("Raw spans %q ... %q, want timestamp through the deadlock summary", clip(d.Raw, 40), d.Raw[max(0, len(d.Raw)-40):])
			}

			byName := map[string]Thread{}
			for _, th := range d.Threads {
				byName[th.Name] = th
			}
			hot, ok := byName["hot-spinner"]
			if !ok {
				t.Fatal("no hot-spinner thread")
			}
			if hot.NativeID != tc.hotNID || hot.JavaID != tc.hotJavaID || hot.Priority != 5 || hot.Daemon {
				t.Errorf("hot-spinner = nid %d #%d prio %d daemon %v, want nid %d #%d prio 5 non-daemon",
					hot.NativeID, hot.JavaID, hot.Priority, hot.Daemon, tc.hotNID, tc.hotJavaID)
			}
			if hot.State != "RUNNABLE" || len(hot.Frames) == 0 || hot.Frames[0].Method != "Workload.lambda$main$0" ||
				hot.Frames[0].Source != "Workload.java:6" {
				t.Errorf("hot-spinner state %q top frame %+v, want RUNNABLE at Workload.lambda$main$0(Workload.java:6)", hot.State, hot.Frames)
			}

			warm, ok := byName[warmName]
			if !ok {
				t.Fatalf("no thread named %q", warmName)
			}
			if warm.NativeID != tc.warmNID || warm.State != "TIMED_WAITING" || warm.StateInfo != "(sleeping)" {
				t.Errorf("warm thread = nid %d %s %s, want nid %d TIMED_WAITING (sleeping)", warm.NativeID, warm.State, warm.StateInfo, tc.warmNID)
			}

			for _, vm := range []string{"VM Thread", "GC Thread#0", "G1 Service"} {
				th, ok := byName[vm]
				if !ok {
					t.Errorf("VM-internal thread %q missing", vm)
					continue
				}
				if th.JavaID != 0 || th.State != "" || th.NativeID == 0 {
					t.Errorf("%q = #%d state %q nid %d, want no java id, no state, a nid", vm, th.JavaID, th.State, th.NativeID)
				}
			}
			if byName["VM Thread"].NativeID != tc.vmThreadNID {
				t.Errorf("VM Thread nid = %d, want %d", byName["VM Thread"].NativeID, tc.vmThreadNID)
			}
			if idle := byName["idle-pool-7"]; !idle.Daemon {
				t.Error("idle-pool-7 not a daemon")
			}

			// The deadlock pair: each waits for the monitor the other holds.
			d1, d2 := byName["deadlock-1"], byName["deadlock-2"]
			for _, c := range []struct {
				th         Thread
				wait, hold string
			}{{d1, lockIDOf(t, d2, "locked"), lockIDOf(t, d1, "locked")}, {d2, lockIDOf(t, d1, "locked"), lockIDOf(t, d2, "locked")}} {
				if c.th.State != "BLOCKED" || c.th.StateInfo != "(on object monitor)" {
					t.Errorf("%s state = %s %s, want BLOCKED (on object monitor)", c.th.Name, c.th.State, c.th.StateInfo)
				}
				if got := lockIDOf(t, c.th, "waiting to lock"); got != c.wait || got == "" {
					t.Errorf("%s waits to lock %q, want %q (held by the other)", c.th.Name, got, c.wait)
				}
				for _, lk := range c.th.Locks {
					if lk.Frame != 0 || lk.Class != "java.lang.Object" {
						t.Errorf("%s lock %+v, want frame 0, class java.lang.Object", c.th.Name, lk)
					}
				}
			}
			if len(d.Deadlocks) != 1 {
				t.Fatalf("%d deadlock sections, want 1", len(d.Deadlocks))
			}
			dl := d.Deadlocks[0]
			if !strings.HasPrefix(dl, "Found one Java-level deadlock:\n=============================\n\"deadlock-1\":") ||
				!strings.Contains(dl, "which is held by \"deadlock-2\"") || !strings.Contains(dl, "Java stack information for the threads listed above:") ||
				!strings.HasPrefix(dl[strings.LastIndex(dl, "\n")+1:], "\tat java.lang.Thread.run(java.base@") {
				t.Errorf("deadlock section not verbatim:\n%s", dl)
			}

			w := byName["waiting-on-reentrantlock"]
			if len(w.Locks) != 1 || w.Locks[0].Kind != "parking to wait for" || w.Locks[0].Frame != 0 ||
				w.Locks[0].Class != "java.util.concurrent.locks.ReentrantLock$NonfairSync" || !strings.HasPrefix(w.Locks[0].ID, "0x") {
				t.Errorf("ReentrantLock waiter locks = %+v, want one 'parking to wait for' a NonfairSync at frame 0", w.Locks)
			}
			main := byName["main"]
			if tc.withOwned {
				if len(main.OwnedSyncs) != 1 || main.OwnedSyncs[0].ID != w.Locks[0].ID || main.OwnedSyncs[0].Kind != "owned" || main.OwnedSyncs[0].Frame != -1 {
					t.Errorf("main owns %+v, want the NonfairSync %s the waiter parks on", main.OwnedSyncs, w.Locks[0].ID)
				}
				if len(hot.OwnedSyncs) != 0 {
					t.Errorf("hot-spinner owns %+v, want none (\"- None\")", hot.OwnedSyncs)
				}
			} else if len(main.OwnedSyncs) != 0 {
				t.Errorf("main owns %+v in a dump without -l", main.OwnedSyncs)
			}

			// Finalizer: "waiting on" at frame 0 and "locked" at frame 1 (JDK 17) — tied to
			// the frame each follows.
			fin := byName["Finalizer"]
			if len(fin.Locks) != 2 || fin.Locks[0].Kind != "waiting on" || fin.Locks[1].Kind != "locked" ||
				fin.Locks[0].ID != fin.Locks[1].ID || fin.Locks[1].Frame <= fin.Locks[0].Frame ||
				!strings.HasPrefix(fin.Frames[fin.Locks[1].Frame].Method, "java.lang.ref.ReferenceQueue.remove") {
				t.Errorf("Finalizer locks = %+v", fin.Locks)
			}
		})
	}
}

// lockIDOf returns the id of th's first lock of a kind.
func lockIDOf(t *testing.T, th Thread, kind string) string {
	t.Helper()
	for _, lk := range th.Locks {
		if lk.Kind == kind {
			return lk.ID
		}
	}
	t.Errorf("%s has no %q lock line (locks %+v)", th.Name, kind, th.Locks)
	return ""
}

func TestDumpFromLog(t *testing.T) {
	sigquit := threadDumpFixture(t, "jdk17-sigquit-stdout.txt")
	jcmd25 := threadDumpFixture(t, "jdk25-jcmd-threadprint.txt")
	dump17, complete := DumpFromLog(sigquit)
	if !complete {
		t.Fatal("the kill -3 stdout fixture has no complete dump")
	}
	cut := dump17[:len(dump17)/2]
	// A JDK 25 dump as a kill -3 would print it: without jcmd's "<pid>:" line.
	dump25 := jcmd25[strings.Index(jcmd25, "\n")+1:]
	dump25 = dump25[:strings.Index(dump25, "Found 1 deadlock.")+len("Found 1 deadlock.")]

	tests := []struct {
		name         string
		log          string
		want         string
		wantComplete bool
	}{
		{"one dump after app output", sigquit, dump17, true},
		{"last of two", "app starts\n" + dump17 + "\nHeap\n stuff\nmore app output\n" + dump25 + "\n\nHeap\n garbage-first heap\n", dump25, true},
		{"last complete wins over a cut one", "x\n" + dump25 + "\n" + cut, dump25, true},
		{"only a cut dump", "log line\n" + cut, cut, false},
		{"banner inside a line is not a dump", "log says Full thread dump later\n", "", false},
		{"no dump", "just logs\n", "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, complete := DumpFromLog(tc.log)
			if complete != tc.wantComplete || strings.TrimRight(got, "\n") != strings.TrimRight(tc.want, "\n") {
				t.Errorf("DumpFromLog = (%d bytes %q..., %v), want (%d bytes %q..., %v)",
					len(got), clip(got, 60), complete, len(tc.want), clip(tc.want, 60), tc.wantComplete)
			}
		})
	}
	d, err := ParseThreadDump(dump25)
	if err != nil || len(d.Threads) != headerLines(dump25) || len(d.Deadlocks) != 1 {
		t.Fatalf("the extracted JDK 25 dump parses to %v threads, %v deadlocks, err %v", len(d.Threads), len(d.Deadlocks), err)
	}
}

func TestParseThreadDumpEdgeCases(t *testing.T) {
	t.Run("no dump", func(t *testing.T) {
		for _, text := range []string{"", "hello\nworld\n", "\"not a header\n", "Heap\n garbage-first heap\n"} {
			if _, err := ParseThreadDump(text); !errors.Is(err, ErrNoThreadDump) {
				t.Errorf("ParseThreadDump(%q) error = %v, want ErrNoThreadDump", text, err)
			}
		}
	})
	t.Run("cut in the middle keeps what was complete", func(t *testing.T) {
		full := threadDumpFixture(t, "jdk25-jcmd-threadprint.txt")
		cut := full[:strings.Index(full, `"idle-pool-3"`)+20]
		d, err := ParseThreadDump(cut)
		if err != nil {
			t.Fatal(err)
		}
		if d.Complete || len(d.Deadlocks) != 0 {
			t.Errorf("Complete %v, %d deadlocks; want an incomplete dump without deadlocks", d.Complete, len(d.Deadlocks))
		}
		if last := d.Threads[len(d.Threads)-1].Name; last != "idle-pool-2" {
			t.Errorf("last thread = %q, want idle-pool-2 (the cut idle-pool-3 header has no nid)", last)
		}
	})
	t.Run("header shapes", func(t *testing.T) {
		tests := []struct {
			line string
			ok   bool
			want Thread
		}{
			{`"a" #5 daemon prio=7 os_prio=0 tid=0x00007f nid=0x1f runnable [0x0]`, true, Thread{Name: "a", JavaID: 5, Daemon: true, Priority: 7, NativeID: 31, InDump: true}},
			{`"GC task thread#0 (ParallelGC)" os_prio=0 tid=0x00007f nid=0x2 runnable`, true, Thread{Name: "GC task thread#0 (ParallelGC)", NativeID: 2, InDump: true}},
			{`""" #1 [42] prio=5 os_prio=0 nid=42 runnable`, true, Thread{Name: `"`, JavaID: 1, Priority: 5, NativeID: 42, InDump: true}},
			{`"x" #1 [77] prio=5 os_prio=0 tid=0x1 runnable`, true, Thread{Name: "x", JavaID: 1, Priority: 5, NativeID: 77, InDump: true}},
			{`"deadlock-1":`, false, Thread{}},
			{`"`, false, Thread{}},
			{`"x" nid=zz`, false, Thread{}},
			{`"x" nid=-5`, false, Thread{}},
		}
		for _, tc := range tests {
			got, ok := parseThreadHeader(tc.line)
			if ok != tc.ok || got.Name != tc.want.Name || got.JavaID != tc.want.JavaID || got.Daemon != tc.want.Daemon ||
				got.Priority != tc.want.Priority || got.NativeID != tc.want.NativeID || got.InDump != tc.want.InDump {
				t.Errorf("parseThreadHeader(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
			}
		}
	})
	t.Run("re-lock and unavailable object", func(t *testing.T) {
		text := "Full thread dump X:\n\n\"t\" #1 prio=5 nid=0x10 in Object.wait()\n" +
			"   java.lang.Thread.State: WAITING (on object monitor)\n" +
			"\tat java.lang.Object.wait(Native Method)\n" +
			"\t- waiting to re-lock in wait() <0x0000000001> (a java.lang.Object)\n" +
			"\tat Foo.bar(Foo.java:1)\n" +
			"\t- waiting on <no object reference available>\n" +
			"\t- locked <0x0000000002> (a java.lang.Class for Foo)\n"
		d, err := ParseThreadDump(text)
		if err != nil {
			t.Fatal(err)
		}
		want := []Lock{
			{Kind: "waiting to re-lock", ID: "0x0000000001", Class: "java.lang.Object", Frame: 0},
			{Kind: "waiting on", Frame: 1},
			{Kind: "locked", ID: "0x0000000002", Class: "java.lang.Class for Foo", Frame: 1},
		}
		got := d.Threads[0].Locks
		if len(got) != len(want) {
			t.Fatalf("locks = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("lock %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}

func FuzzParseThreadDump(f *testing.F) {
	for _, name := range []string{"jdk17-jcmd-threadprint.txt", "jdk17-sigquit-stdout.txt", "jdk25-jstack-l.txt"} {
		text := threadDumpFixture(f, name)
		f.Add(text)
		f.Add(text[:len(text)/3])
	}
	f.Add("Full thread dump X:\n\"\"\" nid=0x1\n\t- <\n\tat (\nFound one Java-level deadlock:\n")
	f.Fuzz(func(t *testing.T, text string) {
		d, err := ParseThreadDump(text)
		if err != nil {
			return
		}
		if !strings.Contains(text, d.Raw) {
			t.Fatalf("Raw is not a part of the input")
		}
		for _, th := range d.Threads {
			// A thread's name is text the dump printed between quotes, never made up.
			if !strings.Contains(d.Raw, "\""+th.Name+"\"") {
				t.Fatalf("thread name %q is not quoted in the dump", th.Name)
			}
			for _, lk := range th.Locks {
				if lk.Frame < -1 || lk.Frame >= len(th.Frames) {
					t.Fatalf("lock %+v points outside the %d frames", lk, len(th.Frames))
				}
			}
		}
		DumpFromLog(text)
	})
}

func BenchmarkParseThreadDump(b *testing.B) {
	// The largest fixture.
	text := threadDumpFixture(b, "jdk25-jcmd-threadprint.txt")
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ParseThreadDump(text); err != nil {
			b.Fatal(err)
		}
	}
}
