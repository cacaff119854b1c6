package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/sharedfixtures"
)

// base is an arbitrary UTC instant with whole milliseconds, so stored times compare equal.
var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func openTest(t testing.TB) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "captures.db")
	s, err := Open(testCtx(t), path, Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fixture reads a thread dump from ../shared; its absence is a failure, not a skip.
func fixture(t testing.TB, name string) string {
	t.Helper()
	return sharedfixtures.ThreadDump(t, name)
}

func testAlert() *alert.Alert {
	return &alert.Alert{
		AlertName:    "HighCPU",
		RuleUID:      "rule-1",
		Fingerprint:  "fp-abc",
		StartsAt:     base.Add(-time.Minute),
		Labels:       map[string]string{"namespace": "shop", "pod": "cart-0", "container": "app"},
		Summary:      "cart is busy",
		Values:       map[string]float64{"A": 1.75},
		GeneratorURL: "http://grafana/alerting/grafana/rule-1/view",
		DashboardURL: "http://grafana/d/dash-1",
		PanelURL:     "http://grafana/d/dash-1?viewPanel=7",
		DashboardUID: "dash-1",
		PanelID:      7,
		OrgID:        1,
	}
}

// testProcesses are two JVMs with every field set; the busiest thread is in the second.
func testProcesses(t testing.TB) []jvm.Process {
	return []jvm.Process{
		{
			PID: 4242, Container: "app", Command: "java -jar /app/cart.jar",
			JVM: "OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)", DumpSource: jvm.SourceJcmd,
			WindowMs: 1000, ThreadCount: 35, CPUPercent: 103.5,
			Threads: []jvm.Thread{
				{
					Name: "hot-spinner", NativeID: 0x2d5c, JavaID: 12, Daemon: false, Priority: 5,
					CPUPercent: 99.5, CPUMs: 995, State: "RUNNABLE",
					Frames: []jvm.Frame{{Method: "Workload.spin", Source: "Workload.java:18"}, {Method: "java.lang.Thread.run", Source: "java.base@17.0.15/Thread.java:840"}},
					Locks:  []jvm.Lock{{Kind: "locked", ID: "0x000000069ec30e90", Class: "java.lang.Object", Frame: 0}},
					InDump: true,
				},
				{
					Name: `warm "quoted" (parens) 工作线程`, NativeID: 0x2d5d, JavaID: 13, Daemon: true, Priority: 5,
					CPUPercent: 3.25, CPUMs: 32, State: "WAITING", StateInfo: "(parking)",
					Frames:     []jvm.Frame{{Method: "jdk.internal.misc.Unsafe.park", Source: "java.base@17.0.15/Native Method"}},
					Locks:      []jvm.Lock{{Kind: "parking to wait for", ID: "0x000000069ec31000", Class: "java.util.concurrent.locks.ReentrantLock$NonfairSync", Frame: 0}},
					OwnedSyncs: []jvm.Lock{{Kind: "owned", ID: "0x000000069ec32000", Class: "java.util.concurrent.locks.ReentrantLock$NonfairSync", Frame: -1}},
					InDump:     true,
				},
			},
			Deadlocks: []string{"Found one Java-level deadlock:\n=============================\n\"dead-a\":\n  waiting to lock monitor 0x1"},
			Raw:       fixture(t, "jdk17-jcmd-threadprint.txt"),
		},
		{
			PID: 77, Container: "sidecar", Command: "java -cp /agent Agent", JVM: "OpenJDK 64-Bit Server VM (25+36-LTS)",
			DumpSource: jvm.SourceJstack, WindowMs: 1001, ThreadCount: 12, CPUPercent: 130,
			Threads: []jvm.Thread{
				{Name: "GC Thread#0", NativeID: 11789, CPUPercent: 120.25, CPUMs: 1203, InDump: false},
			},
			Truncated: true,
			Error:     "dump cut at 4 MiB",
			Raw:       fixture(t, "jdk25-jstack-l.txt"),
		},
	}
}

// withoutRaw is what Get returns for processes: Raw is only served by RawDumps.
func withoutRaw(ps []jvm.Process) []jvm.Process {
	out := make([]jvm.Process, len(ps))
	copy(out, ps)
	for i := range out {
		out[i].Raw = ""
	}
	return out
}

func newQueued(ns, pod string, created time.Time) *Capture {
	return &Capture{Status: StatusQueued, Trigger: TriggerAlert, RequestedBy: "sa-webhook", Namespace: ns, Pod: pod, CreatedAt: created, Alert: testAlert()}
}

func mustInsert(t testing.TB, s *Store, c *Capture) int64 {
	t.Helper()
	id, err := s.Insert(testCtx(t), c)
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	return id
}

func mustGet(t testing.TB, s *Store, id int64) *Capture {
	t.Helper()
	c, err := s.Get(testCtx(t), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return c
}

// diffCaptures reports the first differing field of two captures, or "".
func diffCaptures(want, got *Capture) string {
	w := *want
	if w.Alert != nil && w.AlertName == "" && w.DashboardUID == "" && w.PanelID == 0 {
		// The alert's own columns, as stored with it.
		w.AlertName, w.DashboardUID, w.PanelID = w.Alert.AlertName, w.Alert.DashboardUID, w.Alert.PanelID
	}
	if w.Focus == "" {
		w.Focus = evidence.FocusCPU // what a capture without a focus is stored with
	}
	wv, gv := reflect.ValueOf(w), reflect.ValueOf(*got)
	for i := 0; i < wv.NumField(); i++ {
		if !reflect.DeepEqual(wv.Field(i).Interface(), gv.Field(i).Interface()) {
			return wv.Type().Field(i).Name + ": want " + describe(wv.Field(i).Interface()) + ", got " + describe(gv.Field(i).Interface())
		}
	}
	return ""
}

func describe(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return fmt.Sprintf("&%+v", rv.Elem().Interface())
	}
	return fmt.Sprintf("%+v", v)
}

func inOrg(org int64, c *Capture) *Capture {
	c.OrgID = org
	return c
}

func newSkipped(ns, pod string, created time.Time, reason string) *Capture {
	c := newQueued(ns, pod, created)
	c.Status, c.Error, c.FinishedAt = StatusSkipped, reason, created
	return c
}
