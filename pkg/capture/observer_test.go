package capture

import (
	"path/filepath"
	"testing"

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
	if !testing.Short() {
		classes := jvmtest.Compile(t)
		j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classes)
		h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "checkout-0", Node: "n1",
			Containers: []kubetest.ContainerSpec{{Name: "app", Env: containerEnv(filepath.Join(jvmtest.JDK17Home, "bin")+":/usr/bin:/bin", j.PID)}}})
		if c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "checkout-0", Container: "app"}); c.Status != store.StatusDone {
			t.Fatalf("JVM capture: status %s (%s)", c.Status, c.Error)
		}
		want["done/none"] = 1
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
	var slotWaits uint64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "stackcapture_capture_phase_seconds":
				phases[phaseLabel(m)] = m.GetHistogram().GetSampleCount()
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
}

func phaseLabel(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "phase" {
			return l.GetValue()
		}
	}
	return ""
}
