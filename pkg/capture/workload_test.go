package capture

import (
	"context"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/store"
)

func ownedBy(apiVersion, kind, name string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: "uid-" + "owner", Controller: new(true)}}
}

// A capture of a Deployment's pod on a real JVM is stored under the Deployment, with the
// spinning thread's top application frame among its frames.
func TestCaptureRecordsWorkloadAndFrames(t *testing.T) {
	classes := jvmtest.Compile(t)
	cfg := testConfig()
	cfg.SampleWindow = jvmtest.RankingWindow
	h := newHarness(t, cfg)
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classes)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "checkout-6b7f9c4d8-qx2lp", Node: "worker-1",
		Labels:          map[string]string{"pod-template-hash": "6b7f9c4d8"},
		OwnerReferences: ownedBy("apps/v1", "ReplicaSet", "checkout-6b7f9c4d8"),
		Containers:      []kubetest.ContainerSpec{{Name: "app", Env: containerEnv(filepath.Join(jvmtest.JDK17Home, "bin")+":/usr/bin:/bin", j.PID)}}})
	res, err := h.m.Submit(context.Background(), []Request{{OrgID: 1, Trigger: store.TriggerManual,
		Target: alert.Target{Namespace: "shop", Pod: "checkout-6b7f9c4d8-qx2lp", Container: "app"}}})
	if err != nil || len(res.Accepted) != 1 {
		t.Fatalf("submit: %+v %v", res, err)
	}
	c := h.wait(t, res.Accepted[0].ID)
	assertHotThreadFirst(t, c, jvm.SourceAttach)
	if want := (store.Workload{Kind: "Deployment", Name: "checkout"}); c.Workload != want {
		t.Errorf("workload %+v, want %+v", c.Workload, want)
	}
	_, frames, err := h.store.FramesInOrg(context.Background(), 1, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) == 0 || frames[0].Thread != jvmtest.HotThread || frames[0].Rank != 0 {
		t.Fatalf("frames %+v, want the hot thread's first", frames)
	}
	if frames[0].Frame != jvmtest.HotMethod || frames[0].Share == nil || *frames[0].Share <= 0 {
		t.Errorf("hottest frame %+v, want %s with its CPU share", frames[0], jvmtest.HotMethod)
	}
}

// The workload is recorded when the capture starts running, so a capture that then fails is
// still in its workload's history.
func TestFailedCaptureKeepsItsWorkload(t *testing.T) {
	h := newHarness(t, testConfig())
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "kafka-0", Node: "n",
		OwnerReferences: ownedBy("apps/v1", "StatefulSet", "kafka"),
		Containers:      []kubetest.ContainerSpec{{Name: "c", Env: containerEnv(t.TempDir(), 1)}}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "kafka-0", Container: "c"})
	if c.Status != store.StatusFailed {
		t.Fatalf("status %s, want failed (no shell in the container)", c.Status)
	}
	if want := (store.Workload{Kind: "StatefulSet", Name: "kafka"}); c.Workload != want {
		t.Errorf("workload %+v, want %+v", c.Workload, want)
	}
}
