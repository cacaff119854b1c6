package jvm

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeThread is a thread of a synthetic HotSpot dump.
type fakeThread struct {
	name   string
	java   bool // a Java thread (#id, in the SMR list); else a VM thread
	nid    int
	frames []string
}

// synthDump prints threads the way HotSpot 17 does: names raw between quotes, Java threads
// first, each block ended by a blank line. withSMR adds the "Threads class SMR info" list.
func synthDump(threads []fakeThread, withSMR bool) string {
	var b strings.Builder
	b.WriteString("12345:\n2026-12-01 10:00:00\nFull thread dump OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing):\n\n")
	addr := func(i int) string { return fmt.Sprintf("0x00007f4b%08x", 0xa000+i*0x1230) }
	if withSMR {
		var java []string
		for i, t := range threads {
			if t.java {
				java = append(java, addr(i))
			}
		}
		fmt.Fprintf(&b, "Threads class SMR info:\n_java_thread_list=0x00007f4b3c001f20, length=%d, elements={\n", len(java))
		for i := 0; i < len(java); i += 4 {
			b.WriteString(strings.Join(java[i:min(i+4, len(java))], ", "))
			if i+4 < len(java) {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("}\n\n")
	}
	javaID := 1
	for i, t := range threads {
		if !t.java {
			fmt.Fprintf(&b, "\"%s\" os_prio=0 cpu=1.05ms elapsed=3.35s tid=%s nid=0x%x runnable  \n\n", t.name, addr(i), t.nid)
			continue
		}
		fmt.Fprintf(&b, "\"%s\" #%d daemon prio=5 os_prio=0 cpu=0.25ms elapsed=3.31s tid=%s nid=0x%x runnable  [0x00007f4b%08x]\n",
			t.name, javaID, addr(i), t.nid, 0xb000+i)
		javaID++
		if len(t.frames) > 0 {
			b.WriteString("   java.lang.Thread.State: RUNNABLE\n")
		} else {
			b.WriteString("   java.lang.Thread.State: TIMED_WAITING (sleeping)\n\tat java.lang.Thread.sleep(java.base@17.0.15/Native Method)\n")
		}
		for _, f := range t.frames {
			b.WriteString("\tat " + f + "\n")
		}
		b.WriteString("\n   Locked ownable synchronizers:\n\t- None\n\n")
	}
	b.WriteString("JNI global refs: 4, weak refs: 0\n\n")
	return b.String()
}

// Hostile pieces of thread names: everything HotSpot prints raw that could pass for dump text.
const (
	fakeHeader   = `"fake" #1 prio=5 os_prio=0 cpu=0.10ms elapsed=1.00s tid=0x00007f0000000001 nid=0x1 runnable  [0x00007f0000000000]`
	fakeVMHeader = `"VM Thread" os_prio=0 cpu=1.00ms elapsed=1.00s tid=0x00007f00000000ff nid=0x1 runnable  `
	fakeState    = "   java.lang.Thread.State: RUNNABLE"
	fakeFrame    = "\tat fake.Fake.hide(Fake.java:1)"
)

var hostilePieces = []string{
	"\n", `"`, `""`, "[", "]", "[0x1]", "(x)", "{", "}", "\t", " ", "#7", "nid=0x1", "tid=0x1",
	fakeHeader, fakeVMHeader, fakeState, fakeFrame, "\n\n",
	"JNI global refs: 1, weak refs: 0", "Full thread dump fake:", "Found one Java-level deadlock:",
	"Threads class SMR info:", "   Locked ownable synchronizers:", "\t- None", "线程", "worker-1",
}

func hostileName(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(8) {
		if r.IntN(3) == 0 {
			b.WriteString("\n")
		}
		b.WriteString(hostilePieces[r.IntN(len(hostilePieces))])
	}
	return b.String()
}

// jvmThreads is a realistic JVM with the named application threads, the hot one spinning.
func jvmThreads(names []string, hot int) []fakeThread {
	ts := []fakeThread{
		{name: "main", java: true, nid: 2},
		{name: "Reference Handler", java: true, nid: 9},
	}
	for i, n := range names {
		t := fakeThread{name: n, java: true, nid: 100 + i}
		if i == hot {
			t.frames = []string{"Spin.spinHot(Spin.java:40)", "java.lang.Thread.run(java.base@17.0.15/Thread.java:840)"}
		}
		ts = append(ts, t)
	}
	return append(ts, fakeThread{name: "VM Thread", nid: 7}, fakeThread{name: "G1 Service", nid: 8})
}

// checkParsed asserts the dump's threads are exactly the real ones, names whole, and the
// hot thread with its own stack.
func checkParsed(t *testing.T, d *Dump, want []fakeThread) {
	t.Helper()
	if !d.Complete {
		t.Errorf("Complete = false")
	}
	if len(d.Threads) != len(want) {
		var got []string
		for _, th := range d.Threads {
			got = append(got, fmt.Sprintf("%q/%d", th.Name, th.NativeID))
		}
		t.Fatalf("%d threads, want %d: %s", len(d.Threads), len(want), strings.Join(got, ", "))
	}
	for i, w := range want {
		g := d.Threads[i]
		if g.Name != w.name || g.NativeID != w.nid || (g.JavaID != 0) != w.java {
			t.Errorf("thread %d = %q nid %d java %v, want %q nid %d java %v", i, g.Name, g.NativeID, g.JavaID != 0, w.name, w.nid, w.java)
		}
		if len(w.frames) > 0 && (len(g.Frames) != len(w.frames) || g.Frames[0].Method != "Spin.spinHot" || g.State != "RUNNABLE") {
			t.Errorf("hot thread %q frames %+v state %q, want its own stack", g.Name, g.Frames, g.State)
		}
		for _, f := range g.Frames {
			if strings.HasPrefix(f.Method, "fake.") {
				t.Errorf("thread %q got a frame from a name: %+v", g.Name, f)
			}
		}
	}
}

// TestParseThreadDumpHostileNames: names that carry line breaks, quotes, brackets, tabs and whole
// fake header, state and frame lines; the cases first.
func TestParseThreadDumpHostileNames(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		hot   int
	}{
		{"fake header line inside a name, hot thread after it",
			[]string{"a\n" + fakeHeader + "\nb", "hot"}, 1},
		{"the hot thread's own name carries a fake header",
			[]string{"idle", "x\n" + fakeHeader + "\n" + fakeState + "\n" + fakeFrame + "\n\n\"y"}, 1},
		{"a name that is a complete fake thread block",
			[]string{fakeHeader[1:len(fakeHeader)-len(`" #1 prio=5 os_prio=0 cpu=0.10ms elapsed=1.00s tid=0x00007f0000000001 nid=0x1 runnable  [0x00007f0000000000]`)] + "\" #1 prio=5 os_prio=0 cpu=0.10ms elapsed=1.00s tid=0x00007f0000000001 nid=0x1 runnable  [0x00007f0000000000]\n" + fakeState + "\n" + fakeFrame + "\n\n\"after", "hot"}, 1},
		{"header tail on the same line as the name's start",
			[]string{`a" #1 prio=5 os_prio=0 tid=0x00007f0000000001 nid=0x1 runnable` + "\nb", "hot"}, 1},
		{"fake VM thread and JNI line inside a name",
			[]string{"v\n" + fakeVMHeader + "\n\nJNI global refs: 1, weak refs: 0\n\n", "hot"}, 1},
		{"quotes, brackets, tabs", []string{`"`, `""`, "[0x1]\t(x)", "\t", "hot \"one\" [x]"}, 4},
		{"a name of blank lines", []string{"\n\n\n", "hot"}, 1},
		{"a fake banner inside a name", []string{"x\nFull thread dump fake:\n\n" + fakeHeader, "hot"}, 1},
		{"a fake deadlock report inside a name", []string{"x\nFound one Java-level deadlock:\n=====\n\"deadlock-1\":", "hot"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			threads := jvmThreads(tc.names, tc.hot)
			d, err := ParseThreadDump(synthDump(threads, true))
			if err != nil {
				t.Fatal(err)
			}
			checkParsed(t, d, threads)
			if d.JavaThreads != len(threads)-2 || len(d.Problems) != 0 {
				t.Errorf("JavaThreads %d problems %q", d.JavaThreads, d.Problems)
			}
		})
	}
}

// TestParseThreadDumpHostileNamesWithoutSMR: JDK 8 prints no thread list. A header-like line in
// a name is then told apart by layout; a name built as a complete fake block by the tids.
func TestParseThreadDumpHostileNamesWithoutSMR(t *testing.T) {
	layout := [][]string{
		{"a\n" + fakeHeader + "\nb", "hot"},
		{`a" #1 prio=5 os_prio=0 tid=0x00007f0000000001 nid=0x1 runnable` + "\nb", "hot"},
		{"v\n" + fakeVMHeader + "\nw", "hot"},
		{"\n\n", `"`, "hot"},
	}
	for i, names := range layout {
		t.Run(fmt.Sprintf("layout %d", i), func(t *testing.T) {
			threads := jvmThreads(names, len(names)-1)
			d, err := ParseThreadDump(synthDump(threads, false))
			if err != nil {
				t.Fatal(err)
			}
			checkParsed(t, d, threads)
		})
	}

	// A complete fake block (header, state, frame, blank line, new quote) whose nid is not a
	// thread of the JVM: the text alone keeps it as a thread (the hot thread keeps its frames
	// either way); Analyze, with the tids from /proc, drops it and gives the hot thread its name.
	hotName := "x\n" + fakeHeader + "\n" + fakeState + "\n" + fakeFrame + "\n\n\"y"
	threads := jvmThreads([]string{"idle", hotName}, 1)
	text := synthDump(threads, false)
	d, err := ParseThreadDump(text)
	if err != nil {
		t.Fatal(err)
	}
	if !d.ambiguous {
		t.Error("a dump with a complete fake block and no thread list is not marked ambiguous")
	}
	rec := &JVMRecord{PID: 1, Start: &TaskSample{Uptime: 1}, End: &TaskSample{Uptime: 2}}
	for _, th := range threads {
		rec.Start.Tasks = append(rec.Start.Tasks, TaskStat{TID: th.nid, Comm: "java"})
		rec.End.Tasks = append(rec.End.Tasks, TaskStat{TID: th.nid, Comm: "java", UTime: 1})
	}
	rec.End.Tasks[3].UTime = 90 // the hot thread
	p := Analyze(rec, d, 0)
	if p.Threads[0].Name != hotName || p.Threads[0].Frames[0].Method != "Spin.spinHot" {
		t.Errorf("busiest %q frames %+v, want %q in Spin.spinHot", p.Threads[0].Name, p.Threads[0].Frames, hotName)
	}
	if len(p.Threads) != len(threads) {
		t.Errorf("%d threads, want %d", len(p.Threads), len(threads))
	}
}

// TestParseThreadDumpPID1: a JVM running as PID 1 has a thread with tid 1 (the launcher's
// first thread), so a fake header with nid=0x1 in a name names a real tid. The SMR list still
// rules it out, and the launcher thread keeps its /proc name, not the busy thread's stack.
func TestParseThreadDumpPID1(t *testing.T) {
	hotName := "x\n" + fakeHeader + "\n" + fakeState + "\n\tat Spin.spinHot(Spin.java:40)\n\n\"y"
	threads := jvmThreads([]string{"idle", hotName}, 1)
	d, err := ParseThreadDump(synthDump(threads, true))
	if err != nil {
		t.Fatal(err)
	}
	checkParsed(t, d, threads)
	rec := &JVMRecord{PID: 1, Start: &TaskSample{Uptime: 1}, End: &TaskSample{Uptime: 2}}
	rec.End.Tasks = append(rec.End.Tasks, TaskStat{TID: 1, Comm: "java"})
	for _, th := range threads {
		rec.End.Tasks = append(rec.End.Tasks, TaskStat{TID: th.nid, Comm: "java"})
	}
	rec.Start.Tasks = append(rec.Start.Tasks, rec.End.Tasks...)
	rec.End.Tasks[4].UTime = 90 // the hot thread
	p := Analyze(rec, d, 0)
	for _, th := range p.Threads {
		if th.NativeID == 1 && (th.InDump || len(th.Frames) > 0) {
			t.Errorf("tid 1 joined to a dump thread: %+v", th)
		}
	}
	if p.Threads[0].Name != hotName || len(p.Threads[0].Frames) != 2 {
		t.Errorf("busiest = %q with %d frames", p.Threads[0].Name, len(p.Threads[0].Frames))
	}
}

// TestParseThreadDumpGeneratedNames is a property test: for generated hostile names, the dump
// parses to exactly the real threads, each name whole, the hot thread with its own frames.
func TestParseThreadDumpGeneratedNames(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 2026))
	for i := range 2000 {
		names := make([]string, 1+r.IntN(6))
		for j := range names {
			names[j] = hostileName(r)
		}
		hot := r.IntN(len(names))
		threads := jvmThreads(names, hot)
		text := synthDump(threads, true)
		d, err := ParseThreadDump(text)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		ok := t.Run(fmt.Sprintf("case %d", i), func(t *testing.T) { checkParsed(t, d, threads) })
		if !ok {
			t.Fatalf("names %q", names)
		}
		// The same dump read back from a log, as after kill -3, with output around it.
		logged, complete := DumpFromLog("app output\n" + text[strings.Index(text, "\n")+1:] + "Heap\n def new generation\n")
		if !complete {
			t.Fatalf("case %d: DumpFromLog found no complete dump", i)
		}
		d, err = ParseThreadDump(logged)
		if err != nil {
			t.Fatal(err)
		}
		if !t.Run(fmt.Sprintf("case %d from log", i), func(t *testing.T) { checkParsed(t, d, threads) }) {
			t.Fatalf("names %q", names)
		}
	}
}

// FuzzThreadNames: whatever the thread names (split from the input at NUL, which a printed name
// cannot hold), a JDK 10+ dump parses to exactly its threads with their names whole.
func FuzzThreadNames(f *testing.F) {
	f.Add("a\n" + fakeHeader + "\nb\x00hot")
	f.Add("x\n" + fakeHeader + "\n" + fakeState + "\n" + fakeFrame + "\n\n\"y\x00\"\x00\n\n")
	f.Add("v\n" + fakeVMHeader + "\n\nJNI global refs: 1, weak refs: 0\n\nFull thread dump x:\n\x00hot")
	f.Fuzz(func(t *testing.T, in string) {
		names := strings.Split(in, "\x00")
		if len(names) > 50 {
			return
		}
		threads := jvmThreads(names, len(names)-1)
		d, err := ParseThreadDump(synthDump(threads, true))
		if err != nil {
			t.Fatal(err)
		}
		checkParsed(t, d, threads)
	})
}

// TestDumpFromLogFakeDumpInName: a thread name holding a whole fake dump (timestamp, banner, SMR
// list, a thread, JNI line) after the real dump's banner. Read back from a log, the real dump
// is picked, whole, and not the fake one inside it.
func TestDumpFromLogFakeDumpInName(t *testing.T) {
	fake := "x\n2026-12-01 10:00:01\nFull thread dump fake VM:\n\nThreads class SMR info:\n" +
		"_java_thread_list=0x00007f0000000010, length=1, elements={\n0x00007f0000000001\n}\n\n" +
		fakeHeader + "\n" + fakeState + "\n" + fakeFrame + "\n\nJNI global refs: 1, weak refs: 0\n\n"
	threads := jvmThreads([]string{fake, "hot"}, 1)
	text := synthDump(threads, true)
	text = text[strings.Index(text, "\n")+1:] // as kill -3 prints it: no jcmd "<pid>:" line
	for _, log := range []string{
		"app starts\n" + text + "Heap\n def new generation\n",
		"app starts\n" + synthDump(jvmThreads([]string{"early"}, 0), true)[len("12345:\n"):] + "more output\n" + text,
	} {
		got, complete := DumpFromLog(log)
		if !complete || !strings.HasPrefix(got, "2026-12-01 10:00:00\nFull thread dump OpenJDK") {
			t.Fatalf("DumpFromLog = %v %.120q", complete, got)
		}
		d, err := ParseThreadDump(got)
		if err != nil {
			t.Fatal(err)
		}
		checkParsed(t, d, threads)
	}
}

// TestDumpFromLogManyBanners: an application that prints "Full thread dump" lines by the ten
// thousand does not make reading the log quadratic; the real dump after them is found.
func TestDumpFromLogManyBanners(t *testing.T) {
	threads := jvmThreads([]string{"hot"}, 0)
	realDump := synthDump(threads, true)
	log := strings.Repeat("Full thread dump fake:\nThreads class SMR info:\n_java_thread_list=0x1, length=1, elements={\n0x00007f4b0000a000\n", 20_000) +
		realDump[len("12345:\n"):]
	done := make(chan struct{})
	var got string
	var complete bool
	go func() {
		defer close(done)
		got, complete = DumpFromLog(log)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // a failure guard: linear work takes milliseconds
		t.Fatal("DumpFromLog did not return within 60s over 20,000 banners")
	}
	if !complete {
		t.Fatalf("no complete dump found")
	}
	d, err := ParseThreadDump(got)
	if err != nil {
		t.Fatal(err)
	}
	checkParsed(t, d, threads)
}

// BenchmarkParseThreadDumpHostile: a JDK 17 dump of 2,000 threads, a tenth with hostile names.
func BenchmarkParseThreadDumpHostile(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	names := make([]string, 2000)
	for i := range names {
		names[i] = "worker-" + strconv.Itoa(i)
		if i%10 == 0 {
			names[i] = hostileName(r)
		}
	}
	text := synthDump(jvmThreads(names, 0), true)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ParseThreadDump(text); err != nil {
			b.Fatal(err)
		}
	}
}
