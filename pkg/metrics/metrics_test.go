package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestReasonClass(t *testing.T) {
	tests := []struct {
		outcome, reason, want string
	}{
		{"done", "", "none"},
		{"skipped", "cooldown: shop/p/c was captured less than 10m0s ago; next capture allowed after 2026-12-01T10:00:00Z", "cooldown"},
		{"skipped", "capture queue full: 1000 captures are queued or running (per-node limit 2, global limit 4)", "queue_full"},
		{"skipped", `namespace "kube-system" is denied by the app's deniedNamespaces setting`, "namespace"},
		{"skipped", `namespace "other" is not in the app's allowedNamespaces setting`, "namespace"},
		{"failed", "not started within captureTimeout (1m0s): context deadline exceeded", "timeout"},
		{"failed", "capture timed out after 1.5s (captureTimeout)", "timeout"},
		{"failed", "not started within captureTimeout (1m0s): the capture output budget (output_budget_bytes, 1 bytes) is taken", "budget"},
		{"failed", `forbidden: cannot create pods/exec in namespace "shop" (RBAC: grant "create" on "pods/exec")`, "forbidden"},
		{"failed", "pod shop/gone-0 not found", "not_found"},
		{"failed", `no JVM found in container "c"`, "no_jvm"},
		{"failed", "the container has no /bin/sh", "no_shell"},
		{"failed", "plugin restarted", "restarted"},
		{"failed", `cluster "east" is not configured`, "cluster"},
		{"failed", "internal error: boom", "other"},
	}
	for _, tt := range tests {
		if got := ReasonClass(tt.outcome, tt.reason); got != tt.want {
			t.Errorf("ReasonClass(%q, %q) = %q, want %q", tt.outcome, tt.reason, got, tt.want)
		}
	}
}

func TestNewTwiceOnOneRegistryReusesTheCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	size := func(context.Context) (int64, error) { return 4096, nil }
	first, err := New(reg, size)
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(reg, size)
	if err != nil {
		t.Fatalf("second New on the same registry: %v", err)
	}
	first.Finished("failed", "pod shop/p not found")
	second.Finished("failed", "pod shop/q not found")
	second.Finished("skipped", "cooldown: shop/p")
	first.SlotWait(20 * time.Millisecond)
	second.Phase("exec", time.Second)
	first.Stored("jvm-threads", 1000)
	second.Stored("jvm-threads", 24)
	second.Stored("go-cpu", 0) // nothing stored: no series
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := CaptureCounts(mfs)
	if got["failed/not_found"] != 2 || got["skipped/cooldown"] != 1 || len(got) != 2 {
		t.Errorf("captures %v, want failed/not_found 2 (both Metrics count on one collector) and skipped/cooldown 1", got)
	}
	series := map[string]*dto.Metric{}
	storedSeries := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			series[mf.GetName()] = m
			if mf.GetName() == "stackcapture_stored_bytes_total" {
				storedSeries++
			}
		}
	}
	if m := series["stackcapture_stored_bytes_total"]; storedSeries != 1 || m.GetCounter().GetValue() != 1024 ||
		len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != "jvm-threads" {
		t.Errorf("stored bytes: %d series, last %v; want one, jvm-threads 1024", storedSeries, m)
	}
	if c := series["stackcapture_slot_wait_seconds"].GetHistogram().GetSampleCount(); c != 1 {
		t.Errorf("slot waits observed %d, want 1", c)
	}
	if c := series["stackcapture_capture_phase_seconds"].GetHistogram().GetSampleCount(); c != 1 {
		t.Errorf("phases observed %d, want 1", c)
	}
	if v := series["stackcapture_database_bytes"].GetGauge().GetValue(); v != 4096 {
		t.Errorf("database bytes %v, want 4096", v)
	}
}

func TestDatabaseSizeErrorIsNegative(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(reg, func(context.Context) (int64, error) { return 0, errors.New("closed") }); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "stackcapture_database_bytes" {
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v != -1 {
				t.Errorf("database size %v, want -1", v)
			}
			return
		}
	}
	t.Error("no stackcapture_database_bytes gathered")
}
