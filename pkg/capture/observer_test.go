package capture

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/metrics"
	"github.com/seed/stackcapture/pkg/store"
)

// TestCapturesAreCountedInTheMetrics runs captures through the whole path (kubetest, SQLite,
// a real JVM unless -short) with the plugin's metrics on a registry of its own, then gathers.
func TestCapturesAreCountedInTheMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	mt, err := metrics.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Observer = mt
	cfg.SampleWindow = jvmtest.RankingWindow
	h := newHarness(t, cfg)

	sleeper := startSleep(t)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "nojvm-0", Node: "n1",
		Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
	if c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "gone-0", Container: "c"}); c.Status != store.StatusFailed {
		t.Fatalf("missing pod: status %s", c.Status)
	}
	if c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "nojvm-0", Container: "c"}); c.Status != store.StatusFailed {
		t.Fatalf("no JVM: status %s", c.Status)
	}
	// Denied namespace, then the cooldown of the pod just captured: two skips.
	res := h.submit(t, alert.Target{Namespace: "kube-system", Pod: "dns-0", Container: "c"},
		alert.Target{Namespace: "shop", Pod: "nojvm-0", Container: "c"})
	if len(res.Skipped) != 2 {
		t.Fatalf("skipped %+v, want 2", res.Skipped)
	}
	want := map[string]float64{"failed/not_found": 1, "failed/no_jvm": 1, "skipped/namespace": 1, "skipped/cooldown": 1}
	var wantStored float64 // the JVM capture's processes as JSON and its raw dump
	if !testing.Short() {
		classes := jvmtest.Compile(t)
		j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classes)
		h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "checkout-0", Node: "n1",
			Containers: []kubetest.ContainerSpec{{Name: "app", Env: containerEnv(filepath.Join(jvmtest.JDK17Home, "bin")+":/usr/bin:/bin", j.PID)}}})
		c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "checkout-0", Container: "app"})
		if c.Status != store.StatusDone {
			t.Fatalf("JVM capture: status %s (%s)", c.Status, c.Error)
		}
		want["done/none"] = 1
		js, err := json.Marshal(c.Processes)
		if err != nil {
			t.Fatal(err)
		}
		raws, err := h.store.RawDumps(context.Background(), c.ID)
		if err != nil || len(raws) != 1 {
			t.Fatalf("raw dumps %d: %v", len(raws), err)
		}
		wantStored = float64(len(js) + 1 + len(raws[0].Text)) // +1: the encoder's newline
	}

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := metrics.CaptureCounts(mfs)
	if len(got) != len(want) {
		t.Errorf("captures counted %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("captures %s = %v, want %v (all: %v)", k, got[k], n, got)
		}
	}
	phases := map[string]uint64{}
	phaseSums := map[string]float64{}
	stored := map[string]float64{}
	var slotWaits uint64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "stackcapture_capture_phase_seconds":
				phases[phaseLabel(m)] = m.GetHistogram().GetSampleCount()
				phaseSums[phaseLabel(m)] = m.GetHistogram().GetSampleSum()
			case "stackcapture_stored_bytes_total":
				stored[labelValue(m, "kind")] = m.GetCounter().GetValue()
			case "stackcapture_slot_wait_seconds":
				slotWaits = m.GetHistogram().GetSampleCount()
			}
		}
	}
	// Both pod lookups and the no-JVM capture's exec, parse and store were observed; the
	// missing pod never reached a slot.
	runs := uint64(1)
	if !testing.Short() {
		runs = 2
	}
	if phases[PhaseLookup] != runs+1 || phases[PhaseExec] != runs || phases[PhaseParse] != runs || phases[PhaseStore] != runs+1 {
		t.Errorf("phases observed %v, want lookup %d, exec %d, parse %d, store %d", phases, runs+1, runs, runs, runs+1)
	}
	if slotWaits != runs {
		t.Errorf("slot waits observed %d, want %d", slotWaits, runs)
	}
	// Only the JVM capture has a window and a dump (the probe's own clock) and stores
	// anything: the failed captures have no processes.
	if testing.Short() {
		if phases[PhaseSample] != 0 || phases[PhaseDump] != 0 || len(stored) != 0 {
			t.Errorf("phases %v, stored %v: want no sample, dump or stored bytes without a JVM", phases, stored)
		}
		return
	}
	if phases[PhaseSample] != 1 || phases[PhaseDump] != 1 {
		t.Fatalf("phases observed %v, want sample 1, dump 1", phases)
	}
	if got := phaseSums[PhaseSample]; got < (cfg.SampleWindow - 10*time.Millisecond).Seconds() {
		t.Errorf("sample phase %.3fs, shorter than the %s window", got, cfg.SampleWindow)
	}
	if sample, dump, exec := phaseSums[PhaseSample], phaseSums[PhaseDump], phaseSums[PhaseExec]; sample+dump > exec+0.02 {
		t.Errorf("sample %.3fs + dump %.3fs, longer than the execs they ran in (%.3fs)", sample, dump, exec)
	}
	if len(stored) != 1 || stored["jvm-threads"] != wantStored {
		t.Errorf("stored bytes %v, want jvm-threads %.0f (the processes' JSON and the raw dump)", stored, wantStored)
	}
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func phaseLabel(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "phase" {
			return l.GetValue()
		}
	}
	return ""
}
