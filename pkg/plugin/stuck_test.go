package plugin_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// smallVolume mounts a tmpfs of size bytes on a fresh directory, unmounted at the end of the
// test (after everything registered later has closed its files). It skips without the
// privilege to mount.
func smallVolume(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes into dir until the volume is full and returns the filler's path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			break
		}
	}
	if err := f.Close(); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	return path
}

// A full volume shows in the health check; the capture whose final write met it is not left
// running: its write is retried, and once space is freed it ends.
func TestFullVolumeThenTheCaptureStillEnds(t *testing.T) {
	vol := smallVolume(t, 4<<20)
	srv := kubetest.NewServer(t)
	release := srv.HoldExecs()
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n",
		Containers: []kubetest.ContainerSpec{{Name: "c", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
	p := plugintest.NewProcess(plugintest.KubeFor(srv.RESTConfig()), filepath.Join(vol, "captures.db"))
	t.Cleanup(func() { p.Close(t) })
	a := p.InstanceT(t, 1, map[string]any{"sampleWindow": "100ms"})
	r := plugintest.Call(t, a, "POST", "/captures", []byte(`{"namespace":"shop","pod":"p","container":"c"}`), plugintest.Editor)
	id := plugintest.Decode[plugin.SubmitResponse](t, r).Accepted[0].ID
	waitStatus(t, a, id, "running")

	filler := fill(t, vol)
	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	res, err := a.CheckHealth(ctx, &backend.CheckHealthRequest{})
	if err != nil || res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "the disk is full") {
		t.Errorf("health on a full volume: %v %q", err, res.Message)
	}
	release() // the capture ends now and meets the full volume
	time.Sleep(time.Second)
	if d := plugintest.Get[plugin.CaptureDetail](t, a, fmt.Sprintf("/captures/%d", id), plugintest.Viewer); d.Status != "running" {
		t.Logf("capture %d already %s on the full volume (%q)", id, d.Status, d.Error)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	d := plugintest.WaitFinished(t, a, id)
	if d.Status != "failed" || !strings.Contains(d.Error, "no JVM found") {
		t.Errorf("after space was freed: %s %q, want the capture's own outcome", d.Status, d.Error)
	}
	if res, err := a.CheckHealth(ctx, &backend.CheckHealthRequest{}); err != nil || res.Status != backend.HealthStatusOk {
		t.Errorf("health after space was freed: %v %q", err, res.Message)
	}
}

// The periodic sweep fails queued and running captures past their deadline, whoever owns them.
func TestSweepFailsOverdueCaptures(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	p := plugintest.NewProcess(plugintest.KubeFor(kubetest.NewServer(t).RESTConfig()), dbPath, plugintest.WithSweepInterval(50*time.Millisecond))
	t.Cleanup(func() { p.Close(t) })
	a := p.InstanceT(t, 1, nil)
	plugintest.Call(t, a, "GET", "/captures", nil, plugintest.Viewer) // the process is up

	// Another writer on the file leaves a capture queued past its deadline.
	st, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	id, err := st.Insert(context.Background(), &store.Capture{OrgID: 1, Status: store.StatusQueued, Trigger: store.TriggerManual,
		Namespace: "shop", Pod: "p", CreatedAt: now.Add(-time.Hour), Owner: "elsewhere/1/1", Deadline: now.Add(-time.Minute)})
	if cerr := st.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	d := plugintest.WaitFinished(t, a, id)
	if d.Status != "failed" || d.Error != store.ReasonOverdue {
		t.Errorf("overdue capture: %s %q", d.Status, d.Error)
	}
}
