package plugin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// contractEvidencePiece reads a real collection of contract/evidence/<name>.json as a piece.
func contractEvidencePiece(t *testing.T, name string) evidence.Piece {
	t.Helper()
	var p struct {
		Kind      string          `json:"kind"`
		Container string          `json:"container"`
		Source    string          `json:"source"`
		Path      string          `json:"path"`
		Summary   json.RawMessage `json:"summary"`
	}
	if err := json.Unmarshal(contractFixture(t, filepath.Join("evidence", name+".json")), &p); err != nil {
		t.Fatalf("contract evidence %s: %v", name, err)
	}
	return evidence.Piece{Kind: evidence.Kind(p.Kind), Container: p.Container, Source: p.Source, Path: p.Path, Summary: p.Summary}
}

// TestListNamesWhatFillsTheHeap: GET /captures serves a memory capture's topFunction as the
// heap's top class (JVM) or in-use function (Go), kind "heap" with bytes and no cpuPercent,
// exactly as contract/list-evidence.json shows it; a focus-all capture keeps its CPU answer.
func TestListNamesWhatFillsTheHeap(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	a := plugintest.NewApp(t, plugintest.KubeFor(&rest.Config{Host: "http://127.0.0.1:1"}), map[string]any{"databasePath": dbPath})

	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	created := time.Date(2026, 12, 1, 18, 40, 0, 0, time.UTC)
	captures := []struct {
		pod    string
		focus  evidence.Focus
		pieces []string
	}{
		{pod: "cart-0", focus: evidence.FocusAll, pieces: []string{"go-cpu", "go-heap", "pod-story"}},
		{pod: "cart-1", focus: evidence.FocusMemory, pieces: []string{"go-heap", "pod-story"}},
		{pod: "es-0", focus: evidence.FocusMemory, pieces: []string{"jvm-heap", "pod-story"}},
	}
	for i, c := range captures {
		at := created.Add(time.Duration(i) * time.Minute)
		id, err := st.Insert(ctx, &store.Capture{OrgID: 1, Status: store.StatusQueued, Trigger: store.TriggerAlert, RequestedBy: "sa",
			Namespace: "shop", Pod: c.pod, CreatedAt: at, Focus: c.focus})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.MarkRunning(ctx, id, at, "app", "worker-1"); err != nil {
			t.Fatal(err)
		}
		var pieces []evidence.Piece
		for _, name := range c.pieces {
			pieces = append(pieces, contractEvidencePiece(t, name))
		}
		if err := st.Finish(ctx, id, at.Add(2*time.Second), nil, false, 2000, pieces...); err != nil {
			t.Fatal(err)
		}
	}

	r := plugintest.Call(t, a, http.MethodGet, "/captures", nil, plugintest.Viewer)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	assertShape(t, r.Body, "list-evidence.json")
	type listed struct {
		Pod         string         `json:"pod"`
		Focus       string         `json:"focus"`
		TopFunction map[string]any `json:"topFunction"`
	}
	var got, contract struct {
		Captures []listed `json:"captures"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(contractFixture(t, "list-evidence.json"), &contract); err != nil {
		t.Fatal(err)
	}
	byPod := map[string]map[string]any{}
	for _, c := range got.Captures {
		byPod[c.Pod] = c.TopFunction
	}
	// The contract's memory rows are these real collections' answers, served as is.
	for _, c := range contract.Captures {
		if c.Focus != "memory" {
			continue
		}
		if fn := byPod[c.Pod]; !reflect.DeepEqual(fn, c.TopFunction) {
			t.Errorf("%s: topFunction %v, the contract shows %v", c.Pod, fn, c.TopFunction)
		}
	}
	if es := byPod["es-0"]; es["name"] != "HeapGrow$Block" || es["kind"] != "heap" || es["bytes"] != float64(93323232) || es["cpuPercent"] != nil {
		t.Errorf("JVM memory capture's topFunction %v, want HeapGrow$Block with its bytes", es)
	}
	if goMem := byPod["cart-1"]; goMem["name"] != "main.growHeap" || goMem["kind"] != "heap" || goMem["bytes"] != float64(4461008) {
		t.Errorf("Go memory capture's topFunction %v, want main.growHeap with its in-use bytes", goMem)
	}
	if all := byPod["cart-0"]; all["name"] != "main.burnCPU" || all["kind"] != "cpu" || all["bytes"] != nil {
		t.Errorf("focus-all capture's topFunction %v, want its CPU answer main.burnCPU", all)
	}
}
