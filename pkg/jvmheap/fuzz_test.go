package jvmheap

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseProbeOutput: whatever arrives from a container, parsing and summarising never
// panic, keep at most the asked rows, and the evidence encodes as JSON.
func FuzzParseProbeOutput(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "heap-*.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("@sc stackcapture-heap 1\n@sc cmd 1 class_histogram 0 x\n|   1: -5 -6 [\n@sc done\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _ := ParseProbeOutput(bytes.NewReader(data))
		if out == nil {
			t.Fatal("nil output")
		}
		for _, j := range out.JVMs {
			ev := Summarize(j, out.Mode, 3, out.Complete)
			if ev.Histogram != nil && len(ev.Histogram.Top) > 3 {
				t.Fatalf("%d rows kept, asked 3", len(ev.Histogram.Top))
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = ParseSigquitHeap(string(data))
	})
}

func TestLongLineIsCutNotFatal(t *testing.T) {
	in := "@sc stackcapture-heap 1\n@sc histo_mode full\n@sc jvm 9\n|" + strings.Repeat("j", 3<<20) + "\n@sc nojvm\n@sc done\n"
	out, err := ParseProbeOutput(strings.NewReader(in))
	if err != nil || !out.Complete || len(out.JVMs) != 1 || len(out.JVMs[0].Command) > maxProbeLine {
		t.Fatalf("err %v, complete %v, command %d bytes", err, out.Complete, len(out.JVMs[0].Command))
	}
}
