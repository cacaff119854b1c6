// Command landedv2 writes a schema v2 database with the store of the landed version (main at
// 20026f3), and a JSON snapshot of what that version serves from it, for the migration test
// (TestMigrationFromLandedV2). It lives under testdata so the current build ignores it; it
// compiles only against the landed store. Regenerate with:
//
//	git worktree add /tmp/landed 20026f3
//	mkdir -p /tmp/landed/cmd/landedv2 && cp pkg/store/testdata/landedv2/main.go /tmp/landed/cmd/landedv2/
//	(cd /tmp/landed && go run ./cmd/landedv2 -shared /work/wt/shared/fixtures -out $PWD/pkg/store/testdata)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/store"
)

// Snapshot is what the landed version serves from the database it wrote.
type Snapshot struct {
	SchemaVersion int
	Captures      []store.Capture            // Get of every capture, by id
	Raw           map[string][]store.RawDump // RawDumps by capture id
	Lists         map[string][]int64         // ids List returns for each named filter
	Filters       map[string]store.Filter
}

func main() {
	shared := flag.String("shared", "../shared/fixtures", "the shared fixtures folder")
	out := flag.String("out", "pkg/store/testdata", "where landed-v2.db and landed-v2.json go")
	flag.Parse()
	if err := run(*shared, *out); err != nil {
		log.Fatal(err)
	}
}

func dump(shared, name string) string {
	b, err := os.ReadFile(filepath.Join(shared, "threaddumps", name))
	if err != nil {
		log.Fatalf("fixture: %v", err)
	}
	return string(b)
}

func run(shared, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbPath := filepath.Join(out, "landed-v2.db")
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		_ = os.Remove(p)
	}
	s, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	base := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	hot := func(orgID int64) *alert.Alert {
		return &alert.Alert{
			AlertName: "Stack Capture: JVM CPU high", RuleUID: "cpu-rule", Fingerprint: "fp-1",
			StartsAt: base.Add(-time.Minute), Labels: map[string]string{"namespace": "shop", "pod": "cart-0", "container": "app", "capture": "cpu"},
			Summary: "cart is busy", Values: map[string]float64{"A": 1.9},
			GeneratorURL: "http://grafana/alerting/grafana/cpu-rule/view", DashboardURL: "http://grafana/d/dash-1",
			PanelURL: "http://grafana/d/dash-1?viewPanel=7", DashboardUID: "dash-1", PanelID: 7, OrgID: orgID,
		}
	}
	procs := []jvm.Process{{
		PID: 1, Container: "app", Command: "java -jar /app/cart.jar", JVM: "OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)",
		DumpSource: jvm.SourceJcmd, WindowMs: 2001, ThreadCount: 21, CPUPercent: 101.5,
		Threads: []jvm.Thread{
			{Name: "hot-spinner", NativeID: 0x2d5c, JavaID: 12, Priority: 5, CPUPercent: 99.5, CPUMs: 1991, State: "RUNNABLE",
				Frames: []jvm.Frame{{Method: "Workload.spin", Source: "Workload.java:18"}, {Method: "java.lang.Thread.run", Source: "java.base@17.0.15/Thread.java:840"}},
				Locks:  []jvm.Lock{{Kind: "locked", ID: "0x000000069ec30e90", Class: "java.lang.Object", Frame: 0}}, InDump: true},
			{Name: "GC Thread#0", NativeID: 11789, CPUPercent: 2, CPUMs: 40},
		},
		Raw: dump(shared, "jdk17-jcmd-threadprint.txt"),
	}}
	sidecar := []jvm.Process{{
		PID: 7, Container: "agent", JVM: "OpenJDK 64-Bit Server VM (25+36-LTS)", DumpSource: jvm.SourceJstack,
		WindowMs: 2000, ThreadCount: 12, CPUPercent: 30,
		Threads: []jvm.Thread{{Name: "agent-loop", NativeID: 42, CPUPercent: 29.5, CPUMs: 590, State: "RUNNABLE", InDump: true,
			Frames: []jvm.Frame{{Method: "com.acme.Agent.loop", Source: "Agent.java:3"}}}},
		Truncated: true, Error: "output cut at 65536 bytes (maxOutputBytes)",
		Raw: dump(shared, "jdk25-jstack-l.txt"),
	}}

	type step struct {
		c       store.Capture
		finish  []jvm.Process // done with these
		fail    string        // failed with this reason (and finish as its processes)
		setCont string
	}
	steps := []step{
		{c: store.Capture{OrgID: 1, Cluster: "prod", Trigger: store.TriggerAlert, RequestedBy: "sa-1-contact", Namespace: "shop", Pod: "cart-0", Container: "app", Node: "node-a", Alert: hot(1)}, finish: procs},
		{c: store.Capture{OrgID: 1, Cluster: "prod", Trigger: store.TriggerManual, RequestedBy: "admin", Namespace: "shop", Pod: "cart-1"}, finish: append(append([]jvm.Process{}, procs...), sidecar...), setCont: "app,agent"},
		{c: store.Capture{OrgID: 1, Cluster: "prod", Trigger: store.TriggerAlert, RequestedBy: "sa-1-contact", Namespace: "shop", Pod: "go-api-0", Container: "api", Alert: hot(1)}, fail: `no JVM found in container "api": no java process in its /proc`},
		{c: store.Capture{OrgID: 1, Cluster: "prod", Trigger: store.TriggerAlert, RequestedBy: "sa-1-contact", Namespace: "shop", Pod: "cart-2", Container: "agent", Alert: hot(1)}, fail: "no thread could be sampled or dumped: pid 7: output cut", finish: sidecar},
		{c: store.Capture{OrgID: 1, Cluster: "prod", Status: store.StatusSkipped, Trigger: store.TriggerAlert, RequestedBy: "sa-1-contact", Namespace: "shop", Pod: "cart-0", Container: "app", Alert: hot(1),
			Error: "cooldown: shop/cart-0/app was captured less than 10m0s ago; next capture allowed after 2026-11-20T09:45:00Z", NextAllowedAt: base.Add(15 * time.Minute)}},
		{c: store.Capture{OrgID: 1, Status: store.StatusSkipped, Trigger: store.TriggerAlert, RequestedBy: "sa-1-contact",
			Error: `alert has no namespace (label "namespace") and no pod (label "pod"): keep these labels in the rule's query, or map them in the app's label settings`,
			Alert: &alert.Alert{AlertName: "NoLabels", StartsAt: base, OrgID: 1}}},
		{c: store.Capture{OrgID: 2, Cluster: "staging", Trigger: store.TriggerAlert, RequestedBy: "sa-2-contact", Namespace: "billing", Pod: "ledger-0", Container: "app", Node: "node-b", Alert: hot(2)}, finish: procs},
		{c: store.Capture{OrgID: 2, Cluster: "staging", Trigger: store.TriggerManual, RequestedBy: "bob", Namespace: "billing", Pod: "ledger-1", Container: "app"}, fail: "pod billing/ledger-1 not found (deleted, or replaced by a pod with another name): not found"},
	}
	snap := Snapshot{SchemaVersion: store.SchemaVersion, Raw: map[string][]store.RawDump{}, Lists: map[string][]int64{}}
	for i, st := range steps {
		c := st.c
		c.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		if c.Status == store.StatusSkipped {
			c.FinishedAt = c.CreatedAt
		} else {
			c.Status = store.StatusQueued
			c.Owner = "host/123/1"
			c.Deadline = c.CreatedAt.Add(4 * time.Minute)
		}
		id, err := s.Insert(ctx, &c)
		if err != nil {
			return fmt.Errorf("insert %d: %w", i, err)
		}
		if c.Status == store.StatusSkipped {
			continue
		}
		if err := s.MarkRunning(ctx, id, c.CreatedAt.Add(time.Second), "", "node-a"); err != nil {
			return err
		}
		if st.setCont != "" {
			if err := s.SetContainer(ctx, id, st.setCont); err != nil {
				return err
			}
		}
		end := c.CreatedAt.Add(4 * time.Second)
		if st.fail != "" {
			err = s.Fail(ctx, id, end, st.fail, st.finish)
		} else {
			err = s.Finish(ctx, id, end, st.finish, false, 2001)
		}
		if err != nil {
			return fmt.Errorf("end %d: %w", i, err)
		}
	}
	for id := int64(1); id <= int64(len(steps)); id++ {
		c, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		snap.Captures = append(snap.Captures, *c)
		raw, err := s.RawDumps(ctx, id)
		if err != nil {
			return err
		}
		snap.Raw[fmt.Sprint(id)] = raw
	}
	snap.Filters = map[string]store.Filter{
		"all":            {},
		"org1":           {OrgID: 1},
		"org2":           {OrgID: 2},
		"org1-failed":    {OrgID: 1, Status: store.StatusFailed},
		"org1-skipped":   {OrgID: 1, Status: store.StatusSkipped},
		"pod-cart-0":     {OrgID: 1, Pod: "cart-0"},
		"cluster-prod":   {Cluster: "prod"},
		"panel":          {OrgID: 1, DashboardUID: "dash-1", PanelID: 7},
		"from-to":        {From: base.Add(2 * time.Minute), To: base.Add(5 * time.Minute)},
		"page-of-2":      {OrgID: 1, Limit: 2},
		"namespace-shop": {Namespace: "shop", Container: "app"},
	}
	for name, f := range snap.Filters {
		page, err := s.List(ctx, f)
		if err != nil {
			return err
		}
		ids := []int64{}
		for _, c := range page.Captures {
			ids = append(ids, c.ID)
		}
		snap.Lists[name] = ids
	}
	if err := s.Close(); err != nil {
		return err
	}
	js, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "landed-v2.json"), js, 0o644)
}
