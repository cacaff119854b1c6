package jvmheap

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The fixtures are heap.sh's real output on HeapGrow (JDK 17 and 25, every collector),
// and the block each JVM printed after a kill -3 thread dump.
func TestSummarizeFixtures(t *testing.T) {
	tests := []struct {
		file      string
		collector string
		mode      HistogramMode
		nmt       bool
	}{
		{"heap-jdk17-g1-full.txt", "G1", HistogramFull, true},
		{"heap-jdk25-g1-full.txt", "G1", HistogramFull, true},
		{"heap-jdk17-serial-full.txt", "Serial", HistogramFull, false},
		{"heap-jdk25-serial-full.txt", "Serial", HistogramFull, false},
		{"heap-jdk17-parallel-all.txt", "Parallel", HistogramAll, false},
		{"heap-jdk25-parallel-all.txt", "Parallel", HistogramAll, false},
		{"heap-jdk17-z-full.txt", "Z", HistogramFull, false},
		{"heap-jdk25-z-full.txt", "Z", HistogramFull, false},
		{"heap-jdk17-shenandoah-full.txt", "Shenandoah", HistogramFull, false},
		{"heap-jdk25-shenandoah-full.txt", "Shenandoah", HistogramFull, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out, err := ParseProbeOutput(f)
			if err != nil {
				t.Fatal(err)
			}
			if out.Mode != tc.mode || len(out.JVMs) != 1 || len(out.Notes) != 0 {
				t.Fatalf("mode %q, %d JVMs, notes %q", out.Mode, len(out.JVMs), out.Notes)
			}
			ev := Summarize(out.JVMs[0], out.Mode, 10, out.Complete)
			if ev.Heap == nil || ev.Heap.Collector != tc.collector {
				t.Fatalf("heap %+v, want collector %s", ev.Heap, tc.collector)
			}
			if ev.Heap.UsedBytes <= 0 || ev.Heap.CommittedBytes < ev.Heap.UsedBytes {
				t.Errorf("heap used %d committed %d: want 0 < used <= committed", ev.Heap.UsedBytes, ev.Heap.CommittedBytes)
			}
			if ev.Metaspace == nil || ev.Metaspace.UsedBytes <= 0 || ev.Metaspace.CommittedBytes < ev.Metaspace.UsedBytes {
				t.Errorf("metaspace %+v", ev.Metaspace)
			}
			h := ev.Histogram
			if h == nil || len(h.Top) == 0 {
				t.Fatalf("no histogram; failures %+v", ev.Failures)
			}
			if h.Top[0].Class != "HeapGrow$Block" || h.Top[0].Module != "" || h.Top[0].Instances <= 0 {
				t.Errorf("top %+v, want HeapGrow$Block", h.Top[0])
			}
			if h.All != (tc.mode == HistogramAll) {
				t.Errorf("All = %v in mode %s", h.All, tc.mode)
			}
			for i := 1; i < len(h.Top); i++ {
				if h.Top[i].Bytes > h.Top[i-1].Bytes || h.Top[i].Rank != i+1 {
					t.Errorf("row %d %+v out of order after %+v", i, h.Top[i], h.Top[i-1])
				}
			}
			var shown int64
			for _, b := range h.Top {
				shown += b.Bytes
			}
			if h.Total.Bytes != shown+h.Omitted || h.Total.Bytes < ev.Histogram.Top[0].Bytes {
				t.Errorf("total %d != shown %d + omitted %d", h.Total.Bytes, shown, h.Omitted)
			}
			// The live heap is mostly blocks: the top row holds most of the heap's used bytes.
			if h.Top[0].Bytes*2 < h.Total.Bytes {
				t.Errorf("HeapGrow$Block %d bytes of %d: want most", h.Top[0].Bytes, h.Total.Bytes)
			}
			if tc.nmt {
				nm := ev.NativeMemory
				if nm == nil || nm.CommittedBytes <= 0 || len(nm.Categories) < 5 || nm.Categories[0].Name != "Java Heap" {
					t.Fatalf("native memory %+v", nm)
				}
				if nm.Categories[0].CommittedBytes != ev.Heap.CommittedBytes {
					t.Errorf("NMT Java Heap committed %d, heap_info %d", nm.Categories[0].CommittedBytes, ev.Heap.CommittedBytes)
				}
			} else {
				if ev.NativeMemory != nil || !hasFailure(ev, "native-memory", ReasonNMTOff) {
					t.Errorf("NMT off: want failure nmt-off, got %+v / %+v", ev.NativeMemory, ev.Failures)
				}
			}
			for _, fl := range ev.Failures {
				if fl.Part != "native-memory" {
					t.Errorf("unexpected failure %+v", fl)
				}
			}
		})
	}
}

func hasFailure(ev *Evidence, part, reason string) bool {
	for _, f := range ev.Failures {
		if f.Part == part && f.Reason == reason {
			return true
		}
	}
	return false
}

func TestParseSigquitHeap(t *testing.T) {
	for _, jdk := range []string{"jdk17", "jdk25"} {
		for _, gc := range []struct{ file, collector string }{
			{"g1", "G1"}, {"serial", "Serial"}, {"parallel", "Parallel"}, {"z", "Z"}, {"shenandoah", "Shenandoah"},
		} {
			t.Run(jdk+"-"+gc.file, func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join("testdata", "sigquit-tail-"+jdk+"-"+gc.file+".txt"))
				if err != nil {
					t.Fatal(err)
				}
				// As in a container log: a thread dump before, the application's output after.
				text := "Full thread dump OpenJDK 64-Bit Server VM:\n\"main\" #1 prio=5\n   java.lang.Thread.State: RUNNABLE\n\n" + string(b) + "app: still running\n"
				hi, ok := ParseSigquitHeap(text)
				if !ok || hi.Collector != gc.collector || hi.UsedBytes <= 0 || hi.Metaspace == nil || hi.Metaspace.UsedBytes <= 0 {
					t.Fatalf("got %+v (ok %v), want %s with used bytes and metaspace", hi, ok, gc.collector)
				}
			})
		}
	}
	if _, ok := ParseSigquitHeap("Full thread dump\n\"main\" #1\n"); ok {
		t.Error("a dump without a heap summary parsed as one")
	}
}

func TestParseHeapInfoLines(t *testing.T) {
	tests := []struct {
		name string
		text string
		want HeapInfo
	}{
		{"g1 jdk17", " garbage-first heap   total 131072K, used 99989K [0x00000000f8000000, 0x0000000100000000)\n  region size 1024K, 2 young (2048K), 1 survivors (1024K)\n",
			HeapInfo{Collector: "G1", UsedBytes: 99989 << 10, CommittedBytes: 131072 << 10, Spaces: []HeapSpace{{"garbage-first heap", 99989 << 10, 131072 << 10}}}},
		{"g1 jdk25", "garbage-first heap   total reserved 131072K, committed 65536K, used 98446K [0x0, 0x1)\n",
			HeapInfo{Collector: "G1", UsedBytes: 98446 << 10, CommittedBytes: 65536 << 10, Spaces: []HeapSpace{{"garbage-first heap", 98446 << 10, 65536 << 10}}}},
		{"z", "ZHeap           used 76M, capacity 96M, max capacity 128M\n", HeapInfo{Collector: "Z", UsedBytes: 76 << 20, CommittedBytes: 96 << 20, MaxBytes: 128 << 20}},
		{"unknown space name", " SomeFutureGen total 10K, used 5K\n", HeapInfo{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := ParseHeapInfo(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseHistogramRows(t *testing.T) {
	text := "123:\n num     #instances         #bytes  class name (module)\n" +
		"-------------------------------------------------------\n" +
		"   1:        100       8000  [B (java.base@25.0.3)\n" +
		"   2:         10        800  [[Ljava.lang.String; (java.base@25.0.3)\n" +
		"   3:          5        400  com.example.Foo$$Lambda/0x0000000801001234\n" +
		"   4:          1         16  [I\n" +
		"garbage line\n" +
		"Total        116       9216\n"
	h, ok := ParseHistogram(text, 3)
	if !ok {
		t.Fatal("not parsed")
	}
	want := []ClassBucket{
		{Rank: 1, Class: "[B", Display: "byte[]", Module: "java.base@25.0.3", Instances: 100, Bytes: 8000},
		{Rank: 2, Class: "[[Ljava.lang.String;", Display: "java.lang.String[][]", Module: "java.base@25.0.3", Instances: 10, Bytes: 800},
		{Rank: 3, Class: "com.example.Foo$$Lambda/0x0000000801001234", Display: "com.example.Foo$$Lambda/0x0000000801001234", Instances: 5, Bytes: 400},
	}
	if !reflect.DeepEqual(h.Top, want) || h.Total.Bytes != 9216 || h.Total.Instances != 116 || h.Omitted != 16 {
		t.Errorf("got %+v", h)
	}
	if _, ok := ParseHistogram("1234:\nAttachNotSupportedException\n", 3); ok {
		t.Error("an error answer parsed as a histogram")
	}
}

func TestParseProbeOutputFailures(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		wantErr    error
		wantReason string
		part       string
	}{
		{"not the probe", "hello\n", ErrNotProbeOutput, "", ""},
		{"truncated before histogram", "@sc stackcapture-heap 1\n@sc histo_mode full\n@sc jvm 7\n|java\n@sc cmd 7 heap_info 0 5\n|7:\n| ZHeap used 1M, capacity 2M, max capacity 2M\n", ErrTruncated, ReasonTruncated, "histogram"},
		{"jre only", "@sc stackcapture-heap 1\n@sc histo_mode full\n@sc jvm 7\n|java\n@sc error 7 no jcmd in the image (JRE only): the heap summary is the one kill -3 prints after the threads\n@sc done\n", nil, ReasonNoJcmd, "all"},
		{"xrs", "@sc stackcapture-heap 1\n@sc histo_mode full\n@sc jvm 7\n|java\n@sc error 7 the JVM does not catch SIGQUIT (-Xrs) and has no attach socket: attaching would terminate it, no heap evidence taken\n@sc done\n", nil, ReasonAttachUnsafe, "all"},
		{"timeout", "@sc stackcapture-heap 1\n@sc histo_mode all\n@sc jvm 7\n|java\n@sc cmd 7 heap_info 124 30000\n|timed out after 30s\n@sc error 7 attach failed: no further heap commands\n@sc done\n", nil, ReasonTimeout, "heap"},
		{"none mode", "@sc stackcapture-heap 1\n@sc histo_mode none\n@sc jvm 7\n|java\n@sc cmd 7 heap_info 0 5\n|7:\n| ZHeap used 1M, capacity 2M, max capacity 2M\n| Metaspace used 1K, committed 2K, reserved 3K\n@sc cmd 7 native_memory 0 5\n|7:\n|Native memory tracking is not enabled\n@sc done\n", nil, ReasonNotTaken, "histogram"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ParseProbeOutput(strings.NewReader(tc.text))
			if tc.wantErr != nil && (err == nil || !strings.Contains(err.Error(), tc.wantErr.Error())) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && err != nil {
				t.Fatal(err)
			}
			if tc.wantReason == "" {
				return
			}
			ev := Summarize(out.JVMs[0], out.Mode, 5, out.Complete)
			if !hasFailure(ev, tc.part, tc.wantReason) {
				t.Errorf("failures %+v, want %s on %s", ev.Failures, tc.wantReason, tc.part)
			}
			for _, f := range ev.Failures {
				if f.Message == "" {
					t.Errorf("failure %+v without a message", f)
				}
			}
		})
	}
}

func TestArgs(t *testing.T) {
	got, err := Args(HistogramAll, 1500*time.Millisecond, 0)
	if err != nil || !reflect.DeepEqual(got, []string{"sh", "-s", "--", "all", "2", "50"}) {
		t.Errorf("Args = %q, %v", got, err)
	}
	if _, err := Args("full; rm -rf /", time.Second, 5); err == nil {
		t.Error("an unknown mode reached the command line")
	}
	lines := strings.Split(strings.TrimRight(string(Script()), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "</dev/null; exit 0") {
		t.Errorf("script's last line %q: want main with stdin from /dev/null, then exit", last)
	}
}

func TestParseSafepointLog(t *testing.T) {
	log := `[4.944s][info][safepoint] Safepoint "GC_HeapInspection", Time since last: 3720751700 ns, Reaching safepoint: 5046 ns, Cleanup: 6800 ns, At safepoint: 212061236 ns, Total: 212073082 ns
[1.074s][info][safepoint] Safepoint "G1PauseCleanup", Time since last: 84728632 ns, Reaching safepoint: 9535 ns, At safepoint: 52752 ns, Leaving safepoint: 2845 ns, Total: 65132 ns, Threads: 0 runnable, 10 total
[5.0s][info][gc] unrelated
`
	got, err := ParseSafepointLog(strings.NewReader(log))
	want := []Safepoint{{"GC_HeapInspection", 212073082}, {"G1PauseCleanup", 65132}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v", got, err)
	}
}
