package capture

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/store"
)

// countingKube is the real client, counting pod lookups in flight.
type countingKube struct {
	*kube.Client
	mu           sync.Mutex
	active, peak int
}

func (k *countingKube) Pod(ctx context.Context, namespace, name string) (*kube.PodInfo, error) {
	k.mu.Lock()
	k.active++
	k.peak = max(k.peak, k.active)
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.active--
		k.mu.Unlock()
	}()
	time.Sleep(5 * time.Millisecond) // an API server under load: lookups overlap if allowed to
	return k.Client.Pod(ctx, namespace, name)
}

// A storm of alerts must not turn into as many pod requests at once: lookups are bounded
// by the global limit, and every capture still runs.
func TestPodLookupsAreBoundedInAStorm(t *testing.T) {
	srv := kubetest.NewServer(t)
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	k := &countingKube{Client: client}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "captures.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv.OnExec(func(context.Context, kubetest.ExecEvent) error { return fmt.Errorf("no probe in this test") })
	const pods, global = 60, 3
	reqs := make([]Request, 0, pods)
	for i := range pods {
		name := fmt.Sprintf("api-%d", i)
		srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: name, Node: fmt.Sprintf("n%d", i%6), Containers: []kubetest.ContainerSpec{{Name: "app"}}})
		reqs = append(reqs, Request{Target: alert.Target{Namespace: "shop", Pod: name, Container: "app"}, Trigger: store.TriggerAlert})
	}
	m := New(Config{SampleWindow: 100 * time.Millisecond, TopThreads: 5, PerNodeLimit: 2, GlobalLimit: global,
		CaptureTimeout: 2 * time.Minute, MaxOutputBytes: 1 << 20}, k, st, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	res, err := m.Submit(context.Background(), reqs)
	if err != nil || len(res.Accepted) != pods {
		t.Fatalf("submit: %d accepted, %v", len(res.Accepted), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, acc := range res.Accepted {
		for {
			c, err := st.Get(ctx, acc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status == store.StatusFailed {
				break
			}
			if c.Status != store.StatusQueued && c.Status != store.StatusRunning {
				t.Fatalf("capture %d: %s, want failed by the exec", acc.ID, c.Status)
			}
			if ctx.Err() != nil {
				t.Fatalf("capture %d still %s", acc.ID, c.Status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.peak > global {
		t.Errorf("%d pod lookups at once, want at most the global limit %d", k.peak, global)
	}
	if started, _, _ := srv.ExecStats(); started != pods {
		t.Errorf("%d execs, want %d: every capture still runs", started, pods)
	}
}
