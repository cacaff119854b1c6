package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// childEnv makes the test binary run a storm child instead of the benchmarks.
const childEnv = "STACKCAPTURE_BENCH_CHILD"

func TestMain(m *testing.M) {
	// client-go's exec streams log every failed exec through klog; the storms fail thousands on purpose.
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	_ = klogFlags.Set("logtostderr", "false")
	_ = klogFlags.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	if os.Getenv(childEnv) == memoryChild {
		res, err := memChild(os.Getenv("BENCH_PARAMS"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "memory child:", err)
			os.Exit(1)
		}
		if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(childEnv) == "storm" {
		res, err := stormChild(os.Getenv("BENCH_KUBE_URL"), os.Getenv("BENCH_DIR"), os.Getenv("BENCH_PARAMS"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "storm child:", err)
			os.Exit(1)
		}
		if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type stormParams struct {
	Nodes, PerNode, PerNodeLimit, Storms int
}

type stormResult struct {
	LatenciesMs []float64 // POST /webhook to its 202, one per storm
	PeakRSSKB   int64     // the child's peak resident set
	WarmHWMKB   int64     // its peak before the storms, after one capture
	RssFileKB   int64     // file-backed (the binary's pages) part of its RSS at the end
}

// runStormChild runs storms in a fresh process of this test binary against the API server at kubeURL.
func runStormChild(b *testing.B, kubeURL string, p stormParams) stormResult {
	b.Helper()
	params, err := json.Marshal(p)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=storm", "BENCH_KUBE_URL="+kubeURL, "BENCH_DIR="+b.TempDir(), "BENCH_PARAMS="+string(params))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("storm child: %v\n%s", err, stderr.Bytes())
	}
	var res stormResult
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("storm child output %q: %v", out, err)
	}
	return res
}

// stormChild is the plugin side of BenchmarkAlertStorm: one app instance, a warm-up capture,
// then each storm's webhook and a wait until all its captures have finished.
func stormChild(kubeURL, dir, rawParams string) (stormResult, error) {
	var p stormParams
	if err := json.Unmarshal([]byte(rawParams), &p); err != nil {
		return stormResult{}, fmt.Errorf("params: %w", err)
	}
	a, err := plugintest.Build(plugintest.KubeFor(&rest.Config{Host: kubeURL, QPS: -1}), map[string]any{
		"databasePath": filepath.Join(dir, "captures.db"), "cooldown": "0s", "perNodeLimit": p.PerNodeLimit,
	})
	if err != nil {
		return stormResult{}, err
	}
	ctx := context.Background()
	defer a.Dispose()

	var all []podRef
	for n := range p.Nodes {
		for i := range p.PerNode {
			all = append(all, podRef{"shop", fmt.Sprintf("api-%d-%d", n, i), "app", fmt.Sprintf("worker-%d", n)})
		}
	}
	send := func(targets []podRef) (time.Duration, error) {
		body, err := buildWebhook(targets)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		r, err := plugintest.Do(ctx, a, "POST", "/webhook", body, plugintest.Editor)
		took := time.Since(start)
		if err != nil {
			return 0, err
		}
		var sub plugin.SubmitResponse
		if r.Status != http.StatusAccepted || json.Unmarshal(r.Body, &sub) != nil || len(sub.Accepted) != len(targets) {
			return 0, fmt.Errorf("webhook of %d alerts: %d %.300s", len(targets), r.Status, r.Body)
		}
		return took, plugintest.WaitIdle(ctx, a)
	}
	if _, err := send(all[:1]); err != nil {
		return stormResult{}, fmt.Errorf("warm-up: %w", err)
	}
	var res stormResult
	if res.WarmHWMKB, err = statusKB(os.Getpid(), "VmHWM"); err != nil {
		return stormResult{}, err
	}
	for range p.Storms {
		took, err := send(all)
		if err != nil {
			return stormResult{}, err
		}
		res.LatenciesMs = append(res.LatenciesMs, ms(took))
	}
	if res.PeakRSSKB, err = statusKB(os.Getpid(), "VmHWM"); err != nil {
		return stormResult{}, err
	}
	if res.RssFileKB, err = statusKB(os.Getpid(), "RssFile"); err != nil {
		return stormResult{}, err
	}
	return res, nil
}
