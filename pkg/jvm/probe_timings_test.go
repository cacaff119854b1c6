package jvm

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// TestProbeTimings reads the phases off probe output: the dump clock records are optional
// (older output parses as before, without a dump time), a retried tool spans both tries, a
// record without a clock is a note, not a time.
func TestProbeTimings(t *testing.T) {
	const head = "@sc stackcapture-probe 1\n@sc window_ms 2000\n"
	tests := []struct {
		name      string
		records   string
		want      Timings
		wantNotes int
	}{
		{
			name:    "no dump clock (the probe before these records)",
			records: "@sc jvm 7\n|java\n@sc start 7 100.00\n@sc end 7 102.01\n@sc dump 7 jcmd 0\n|x\n",
			want:    Timings{Sample: 2010 * time.Millisecond, HasSample: true},
		},
		{
			name: "one JVM",
			records: "@sc jvm 7\n|java\n@sc start 7 100.00\n@sc end 7 102.01\n@sc dump_start 7 102.02\n@sc dump_end 7 102.15\n" +
				"@sc dump 7 jcmd 0\n|x\n",
			want: Timings{Sample: 2010 * time.Millisecond, Dump: 130 * time.Millisecond, HasSample: true, HasDump: true},
		},
		{
			name: "two JVMs: from the first start to the last end",
			records: "@sc jvm 7\n|java\n@sc jvm 9\n|java\n@sc start 7 100.00\n@sc start 9 100.01\n@sc end 7 102.02\n@sc end 9 102.03\n" +
				"@sc dump_start 7 102.04\n@sc dump_end 7 102.10\n@sc dump 7 jcmd 0\n|x\n" +
				"@sc dump_start 9 102.10\n@sc dump_end 9 102.60\n@sc dump 9 jstack 0\n|y\n",
			want: Timings{Sample: 2030 * time.Millisecond, Dump: 560 * time.Millisecond, HasSample: true, HasDump: true},
		},
		{
			name: "the early tool failed and ran again: both tries count",
			records: "@sc jvm 7\n|java\n@sc start 7 100.00\n@sc end 7 101.00\n@sc dump_start 7 101.00\n@sc dump_end 7 101.20\n" +
				"@sc dump_start 7 101.20\n@sc dump_end 7 101.90\n@sc dump 7 jcmd 0\n|x\n",
			want: Timings{Sample: time.Second, Dump: 900 * time.Millisecond, HasSample: true, HasDump: true},
		},
		{
			name:      "no clock, a clock that runs backwards, no end sample",
			records:   "@sc jvm 7\n|java\n@sc start 7 100.00\n@sc dump_start 7\n@sc dump_start 7 103.00\n@sc dump_end 7 102.00\n@sc sigquit 7 - no jcmd or jstack found\n",
			want:      Timings{},
			wantNotes: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ParseProbeOutput(strings.NewReader(head + tc.records + "@sc done\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Notes) != tc.wantNotes {
				t.Errorf("notes %q, want %d", out.Notes, tc.wantNotes)
			}
			if got := out.Timings(); got != tc.want {
				t.Errorf("Timings() = %+v, want %+v", got, tc.want)
			}
			// The clock records take no data: the dump after them is intact.
			for _, rec := range out.JVMs {
				if rec.DumpSource == SourceJcmd && strings.TrimSpace(rec.DumpText) != "x" {
					t.Errorf("pid %d dump text %q, want x", rec.PID, rec.DumpText)
				}
			}
		})
	}
}

// TestProbeLiveTimings runs the real probe on a real JVM, with the early jcmd and the
// ordinary way: the sample phase covers the window, the dump starts once the window has
// closed and ends after the JVM's thread-dump safepoint (its own log), and the whole takes
// less than the probe's run as seen from outside.
func TestProbeLiveTimings(t *testing.T) {
	classDir := jvmtest.Compile(t)
	for _, tc := range []struct {
		name, home string
		env        []string
	}{
		{"jdk17 early jcmd", jvmtest.JDK17Home, nil},
		{"jdk25 early jcmd", jvmtest.JDK25Home, nil},
		{"jdk17 overlap off", jvmtest.JDK17Home, []string{"STACKCAPTURE_OVERLAP=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			java := filepath.Join(tc.home, "bin", "java")
			jvmtest.RequireFile(t, java)
			logPath := filepath.Join(t.TempDir(), "safepoint.log")
			jvm := jvmtest.Start(t, java, classDir, "-Xlog:safepoint:file="+logPath+":utctime")
			clock := newUptimeClock(t)
			began := time.Now()
			out, _ := probeRun{path: jvmtest.ToolPath(t, fullTools...), env: tc.env, pids: []int{jvm.PID}}.run(t)
			took := time.Since(began)
			rec := onlyJVM(t, out, jvm.PID)
			if rec.DumpSource != SourceJcmd || len(rec.Errors) > 0 {
				t.Fatalf("source %q errors %q, want a jcmd dump", rec.DumpSource, rec.Errors)
			}
			tm := out.Timings()
			if !tm.HasSample || !tm.HasDump {
				t.Fatalf("Timings() = %+v, want both phases", tm)
			}
			// The window is measured by /proc/uptime in 10 ms steps: never shorter than asked.
			if tm.Sample < liveWindow-10*time.Millisecond {
				t.Errorf("sample phase %s, shorter than the %s window", tm.Sample, liveWindow)
			}
			if rec.DumpStart < rec.End.Uptime {
				t.Errorf("dump asked for at %.2f, before the end sample at %.2f", rec.DumpStart, rec.End.Uptime)
			}
			if tm.Sample+tm.Dump > took+20*time.Millisecond {
				t.Errorf("sample %s + dump %s, more than the probe's whole run (%s)", tm.Sample, tm.Dump, took)
			}
			dumps := dumpSafepoints(t, logPath)
			if len(dumps) != 1 {
				t.Fatalf("%d thread-dump safepoints, want 1", len(dumps))
			}
			from, to := clock.at(rec.DumpStart), clock.at(rec.DumpEnd)
			if dumps[0].Before(from.Add(-clockSlack)) || dumps[0].After(to.Add(clockSlack)) {
				t.Errorf("dump safepoint at %s, outside the dump phase %s – %s",
					dumps[0].Format(time.StampMilli), from.Format(time.StampMilli), to.Format(time.StampMilli))
			}
			t.Logf("sample %s, dump %s, probe run %s", tm.Sample, tm.Dump, took)
		})
	}
}
