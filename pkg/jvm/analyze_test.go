package jvm

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProbeOutputAndAnalyze(t *testing.T) {
	dumpText := threadDumpFixture(t, "jdk17-jcmd-threadprint.txt")
	out, err := ParseProbeOutput(strings.NewReader(probeText(dumpText, startTasks, endTasks)))
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != 1 || out.ClkTck != 100 || out.WindowMs != 1000 || !out.Complete || out.Truncated || out.NoJVM || len(out.Notes) > 0 {
		t.Fatalf("output %+v", out)
	}
	rec := out.JVMs[0]
	if rec.PID != 42 || rec.Command != "java -Xmx1g -jar app.jar" || rec.ClkTck != 100 || rec.DumpSource != SourceJcmd ||
		rec.Start.Uptime != 100 || rec.End.Uptime != 101 || len(rec.Start.Tasks) != len(startTasks) || len(rec.End.Tasks) != len(endTasks) {
		t.Fatalf("record %+v", rec)
	}
	if strings.TrimRight(rec.DumpText, "\n") != strings.TrimRight(dumpText, "\n") {
		t.Fatal("dump text changed on its way through the protocol")
	}
	dump := mustParseDump(t, rec.DumpText)

	p := Analyze(rec, dump, 6)
	type row struct {
		name   string
		nid    int
		pct    float64
		ms     int64
		inDump bool
	}
	want := []row{
		{"hot-spinner", nidHot17, 90, 900, true},
		{"native-pool", 40000, 40, 400, false},
		{"VM Thread", nidVM17, 20, 200, true},
		{warmName, nidWarm17, 10, 100, true},
		{"reused", 40003, 7, 70, false},
		{"born", 40002, 5, 50, false},
	}
	var got []row
	for _, th := range p.Threads {
		got = append(got, row{th.Name, th.NativeID, th.CPUPercent, th.CPUMs, th.InDump})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranking\n got %+v\nwant %+v", got, want)
	}
	if p.CPUPercent != 172 || p.ThreadCount != len(endTasks) || p.WindowMs != 1000 || p.PID != 42 ||
		p.JVM != dump.JVM || p.DumpSource != SourceJcmd || len(p.Deadlocks) != 1 || p.Raw != dump.Raw || p.Error != "" {
		t.Errorf("process cpu %v count %d window %d pid %d jvm %q source %q deadlocks %d error %q",
			p.CPUPercent, p.ThreadCount, p.WindowMs, p.PID, p.JVM, p.DumpSource, len(p.Deadlocks), p.Error)
	}
	if hot := p.Threads[0]; len(hot.Frames) == 0 || hot.Frames[0].Method != "Workload.lambda$main$0" {
		t.Errorf("hot-spinner lost its stack: %+v", hot.Frames)
	}

	// All threads: the zero-CPU ones follow, ordered by name.
	all := Analyze(rec, dump, 0)
	if len(all.Threads) != len(endTasks) {
		t.Fatalf("topN 0 kept %d threads", len(all.Threads))
	}
	if a, b := all.Threads[6], all.Threads[7]; a.Name != "java" || b.Name != "main" || a.CPUMs != 0 || b.CPUMs != 0 {
		t.Errorf("zero-CPU tail = %q, %q; want java, main (ties by name)", a.Name, b.Name)
	}

	// No clk_tck from the container: 100 is assumed.
	rec.ClkTck = 0
	if p := Analyze(rec, dump, 1); p.Threads[0].CPUPercent != 90 {
		t.Errorf("default clock: hot-spinner %v%%", p.Threads[0].CPUPercent)
	}
}

func TestAnalyzeWithoutSamplesOrDump(t *testing.T) {
	dump := mustParseDump(t, threadDumpFixture(t, "jdk25-jcmd-threadprint.txt"))
	tests := []struct {
		name       string
		rec        JVMRecord
		dump       *Dump
		wantErr    string
		wantThread string
	}{
		{"no end sample", JVMRecord{PID: 1, Start: &TaskSample{Uptime: 1}, Errors: []string{"process exited before the end sample"}}, dump,
			"process exited before the end sample; no complete CPU sample", "main"},
		{"no dump", JVMRecord{PID: 1, Start: &TaskSample{Uptime: 1, Tasks: []TaskStat{{TID: 7, Comm: "java", UTime: 1}}},
			End: &TaskSample{Uptime: 2, Tasks: []TaskStat{{TID: 7, Comm: "java", UTime: 51}}}}, nil, "no thread dump", "java"},
		{"sigquit without log dump", JVMRecord{PID: 1, SigquitSent: true, DumpSource: SourceSigquit, Start: &TaskSample{Uptime: 1},
			End: &TaskSample{Uptime: 2}}, nil, "SIGQUIT sent but no thread dump found in the container log", ""},
		{"zero window", JVMRecord{PID: 1, Start: &TaskSample{Uptime: 2, Tasks: []TaskStat{{TID: 7, UTime: 1}}},
			End: &TaskSample{Uptime: 2, Tasks: []TaskStat{{TID: 7, UTime: 9}}}}, dump, "CPU sample window is not positive", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Analyze(&tc.rec, tc.dump, 2)
			if p.Error != tc.wantErr {
				t.Errorf("Error = %q, want %q", p.Error, tc.wantErr)
			}
			if tc.wantThread != "" && (len(p.Threads) == 0 || p.Threads[0].Name != tc.wantThread) {
				t.Errorf("threads %+v, want %q first", p.Threads, tc.wantThread)
			}
			for _, th := range p.Threads {
				if th.CPUPercent < 0 || th.CPUPercent > 1e6 || th.CPUPercent != th.CPUPercent {
					t.Errorf("thread %q CPU %v", th.Name, th.CPUPercent)
				}
			}
		})
	}
}
