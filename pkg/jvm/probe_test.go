package jvm

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestProbeArgs(t *testing.T) {
	tests := []struct {
		window time.Duration
		want   []string
	}{
		{2 * time.Second, []string{"sh", "-s", "--", "2000", "30"}},
		{750 * time.Millisecond, []string{"sh", "-s", "--", "750", "30"}},
		{0, []string{"sh", "-s", "--", "1", "30"}},
		{-time.Second, []string{"sh", "-s", "--", "1", "30"}},
	}
	for _, tc := range tests {
		if got := ProbeArgs(tc.window); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ProbeArgs(%v) = %q, want %q", tc.window, got, tc.want)
		}
	}
}

func TestProbeScript(t *testing.T) {
	s := ProbeScript()
	s[0] = 'X'
	s = ProbeScript()
	if s[0] != '#' {
		t.Fatal("ProbeScript returned the embedded bytes, not a copy")
	}
	// Some exec transports never close stdin: the script must end in an explicit exit,
	// on a line the shell runs without reading further.
	lines := strings.Split(strings.TrimRight(string(s), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "; exit 0") || !strings.Contains(last, "</dev/null") {
		t.Errorf("last line %q, want main run with stdin from /dev/null, then exit", last)
	}
}

// fixture17 nids, from the jdk17 dump.
const (
	nidMain17 = 0x2d5c
	nidHot17  = 0x2d6e
	nidWarm17 = 0x2d6f
	nidVM17   = 0x2d62
)

type fakeTask struct {
	tid          int
	comm         string
	ticks        uint64
	startTimeArg uint64
}

// probeText writes probe output as probe.sh prints it.
func probeText(dump string, start, end []fakeTask) string {
	var b strings.Builder
	b.WriteString("@sc stackcapture-probe 1\n@sc clk_tck 100\n@sc window_ms 1000\n@sc jvm 42\n|java -Xmx1g -jar app.jar\n")
	sample := func(kind, uptime string, tasks []fakeTask) {
		fmt.Fprintf(&b, "@sc %s 42 %s\n", kind, uptime)
		for _, tk := range tasks {
			st := tk.startTimeArg
			if st == 0 {
				st = 1000
			}
			b.WriteString("|" + statLine(strconv.Itoa(tk.tid), tk.comm, strconv.FormatUint(tk.ticks, 10), "0", strconv.FormatUint(st, 10)) + "\n")
		}
	}
	sample("start", "100.00", start)
	sample("end", "101.00", end)
	b.WriteString("@sc dump 42 jcmd 0\n")
	for _, l := range strings.Split(strings.TrimRight(dump, "\n"), "\n") {
		b.WriteString("|" + l + "\n")
	}
	b.WriteString("@sc done\n")
	return b.String()
}

// The window's threads: CPU deltas over exactly one second at 100 ticks/s.
var (
	startTasks = []fakeTask{
		{tid: 42, comm: "java", ticks: 3},
		{tid: nidMain17, comm: "java", ticks: 50},
		{tid: nidHot17, comm: "hot-spinner", ticks: 15},
		{tid: nidWarm17, comm: "warm \"quoted\" (", ticks: 20},
		{tid: nidVM17, comm: "VM Thread", ticks: 3},
		{tid: 40000, comm: "native-pool", ticks: 0},
		{tid: 40001, comm: "ended", ticks: 70},
		{tid: 40003, comm: "old", ticks: 500, startTimeArg: 10},
	}
	endTasks = []fakeTask{
		{tid: 42, comm: "java", ticks: 3},
		{tid: nidMain17, comm: "java", ticks: 50},
		{tid: nidHot17, comm: "hot-spinner", ticks: 105},         // +90
		{tid: nidWarm17, comm: "warm \"quoted\" (", ticks: 30},   // +10
		{tid: nidVM17, comm: "VM Thread", ticks: 23},             // +20
		{tid: 40000, comm: "native-pool", ticks: 40},             // +40, not a Java thread
		{tid: 40002, comm: "born", ticks: 5},                     // born in the window: +5
		{tid: 40003, comm: "reused", ticks: 7, startTimeArg: 90}, // tid reused: +7, not 7-500
	}
)

func TestParseProbeOutputRecords(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
		check   func(t *testing.T, out *ProbeOutput)
	}{
		{"not probe output", "sh: 1: syntax error: unexpected \"(\"\n", ErrNotProbeOutput, nil},
		{"other version", "@sc stackcapture-probe 2\n@sc done\n", ErrNotProbeOutput, func(t *testing.T, out *ProbeOutput) {
			if len(out.Notes) != 1 || !strings.Contains(out.Notes[0], `version "2"`) {
				t.Errorf("notes %q", out.Notes)
			}
		}},
		{"no jvm after a login banner", "Welcome!\n@sc stackcapture-probe 1\n@sc window_ms 500\n@sc nojvm\n@sc done\n", nil, func(t *testing.T, out *ProbeOutput) {
			if !out.NoJVM || len(out.JVMs) != 0 || out.ClkTck != 0 || out.WindowMs != 500 || len(out.Notes) != 0 {
				t.Errorf("%+v", out)
			}
		}},
		{"done without newline", "@sc stackcapture-probe 1\n@sc nojvm\n@sc done", nil, func(t *testing.T, out *ProbeOutput) {
			if !out.Complete || !out.NoJVM {
				t.Errorf("%+v", out)
			}
		}},
		{"attach failure with detail", "@sc stackcapture-probe 1\n@sc jvm 7\n|java X\n" +
			"@sc error 7 attach failed: jcmd exited 1\n|7:\n|com.sun.tools.attach.AttachNotSupportedException: Unable to open socket file\n|\n" +
			"@sc sigquit 7 1700000000 jcmd failed\n@sc done\n", nil, func(t *testing.T, out *ProbeOutput) {
			rec := out.JVMs[0]
			want := "attach failed: jcmd exited 1: 7: | com.sun.tools.attach.AttachNotSupportedException: Unable to open socket file"
			if len(rec.Errors) != 1 || rec.Errors[0] != want {
				t.Errorf("errors %q, want [%q]", rec.Errors, want)
			}
			if !rec.SigquitSent || rec.DumpSource != SourceSigquit || !rec.SigquitAt.Equal(time.Unix(1700000000, 0)) || rec.SigquitReason != "jcmd failed" {
				t.Errorf("sigquit %v source %q at %v reason %q", rec.SigquitSent, rec.DumpSource, rec.SigquitAt, rec.SigquitReason)
			}
		}},
		{"sigquit without a clock", "@sc stackcapture-probe 1\n@sc jvm 7\n@sc sigquit 7 - no jcmd or jstack found\n@sc done\n", nil, func(t *testing.T, out *ProbeOutput) {
			if rec := out.JVMs[0]; !rec.SigquitSent || !rec.SigquitAt.IsZero() || rec.SigquitReason != "no jcmd or jstack found" {
				t.Errorf("%+v", rec)
			}
		}},
		{"records cannot be forged from data", "@sc stackcapture-probe 1\n@sc jvm 7\n@sc dump 7 jstack 0\n|Full thread dump X:\n|@sc done\n|@sc nojvm\n||x\n@sc done\n", nil, func(t *testing.T, out *ProbeOutput) {
			rec := out.JVMs[0]
			if out.NoJVM || rec.DumpSource != SourceJstack || rec.DumpText != "Full thread dump X:\n@sc done\n@sc nojvm\n|x\n" {
				t.Errorf("nojvm %v source %q dump %q", out.NoJVM, rec.DumpSource, rec.DumpText)
			}
		}},
		{"stat line split by a newline in the thread name", "@sc stackcapture-probe 1\n@sc jvm 7\n@sc start 7 5.5\n|" +
			strings.ReplaceAll(statLine("9", "a\n@sc done\n|", "4", "0", "1"), "\n", "\n|") + "\n|" + statLine("10", "b", "1", "0", "1") + "\n|garbage\n@sc done\n", nil,
			func(t *testing.T, out *ProbeOutput) {
				s := out.JVMs[0].Start
				if len(s.Tasks) != 2 || s.Tasks[0].Comm != "a\n@sc done\n|" || s.Tasks[0].UTime != 4 || s.Tasks[1].TID != 10 || s.BadLines != 1 || s.Uptime != 5.5 {
					t.Errorf("sample %+v", s)
				}
			}},
		{"unknown and malformed records", "@sc stackcapture-probe 1\n@sc future 1 2\n@sc jvm x\n@sc\n|orphan\nstray\n@sc done\n", nil, func(t *testing.T, out *ProbeOutput) {
			if len(out.JVMs) != 0 || len(out.Notes) != 4 {
				t.Errorf("JVMs %d notes %q", len(out.JVMs), out.Notes)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ParseProbeOutput(strings.NewReader(tc.in))
			if out == nil {
				t.Fatal("nil output")
			}
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// TestParseProbeOutputTruncated cuts the output everywhere the caller's byte cap could.
func TestParseProbeOutputTruncated(t *testing.T) {
	dumpText := threadDumpFixture(t, "jdk17-jcmd-threadprint.txt")
	full := probeText(dumpText, startTasks, endTasks)
	whole, err := ParseProbeOutput(strings.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	dumpStart := strings.Index(full, "@sc dump ")
	for cut := 0; cut < len(full)-1; cut += 11 {
		in := full[:cut]
		out, err := ParseProbeOutput(strings.NewReader(in))
		if out == nil {
			t.Fatalf("cut at %d: nil output", cut)
		}
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrNotProbeOutput) {
			t.Fatalf("cut at %d: error %v, want truncated", cut, err)
		}
		if out.Complete || (out.Version == 1 && !out.Truncated) {
			t.Fatalf("cut at %d: complete %v truncated %v", cut, out.Complete, out.Truncated)
		}
		if len(out.JVMs) == 0 {
			continue
		}
		rec := out.JVMs[0]
		if !strings.HasPrefix(whole.JVMs[0].DumpText, rec.DumpText) {
			t.Fatalf("cut at %d: dump text is not a prefix of the whole", cut)
		}
		if cut > dumpStart+len("@sc dump 42 jcmd 0\n|x") && !rec.Truncated {
			t.Fatalf("cut at %d inside the dump: record not marked truncated", cut)
		}
		if rec.DumpText == "" && !rec.Truncated {
			t.Fatalf("cut at %d before the dump: record not marked truncated (errors %q)", cut, rec.Errors)
		}
		var d *Dump
		if rec.DumpText != "" {
			d, _ = ParseThreadDump(rec.DumpText)
		}
		p := Analyze(rec, d, 5)
		// A complete dump cut off only before the final record needs no error.
		if !p.Truncated || (p.Error == "" && (d == nil || !d.Complete)) {
			t.Fatalf("cut at %d: process truncated %v error %q", cut, p.Truncated, p.Error)
		}
	}
}

// errReader returns data, then a non-EOF error, like a broken exec stream.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseProbeOutputReadError(t *testing.T) {
	boom := errors.New("stream reset")
	out, err := ParseProbeOutput(&errReader{data: []byte("@sc stackcapture-probe 1\n@sc jvm 3\n|java\n"), err: boom})
	if !errors.Is(err, boom) || !out.Truncated || len(out.JVMs) != 1 || out.JVMs[0].Command != "java" {
		t.Fatalf("err %v out %+v", err, out)
	}
}

func TestParseProbeOutputLongLine(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 3*maxLineBytes)
	in := "@sc stackcapture-probe 1\n@sc jvm 3\n@sc dump 3 jcmd 0\n|" + string(long) + "\n|after\n@sc done\n"
	out, err := ParseProbeOutput(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if d := out.JVMs[0].DumpText; len(d) > maxLineBytes+len("after\n") || !strings.HasSuffix(d, "\nafter\n") {
		t.Errorf("dump text %d bytes, want the long line capped and the next line kept", len(d))
	}
}

func FuzzParseProbeOutput(f *testing.F) {
	f.Add(probeText(threadDumpFixture(f, "jdk25-jstack-l.txt"), startTasks, endTasks))
	f.Add("@sc stackcapture-probe 1\n@sc jvm 7\n@sc error 7 x\n|y\n@sc sigquit 7 - z\n@sc start 7 1\n|1 (a\n@sc done\n")
	f.Add("@sc stackcapture-probe 1\n@sc nojvm\n@sc done")
	f.Fuzz(func(t *testing.T, in string) {
		out, _ := ParseProbeOutput(strings.NewReader(in))
		if out == nil {
			t.Fatal("nil output")
		}
		for _, rec := range out.JVMs {
			var d *Dump
			if rec.DumpText != "" {
				d, _ = ParseThreadDump(rec.DumpText)
			}
			p := Analyze(rec, d, 3)
			if len(p.Threads) > 3 {
				t.Fatalf("topN 3 kept %d", len(p.Threads))
			}
		}
	})
}
