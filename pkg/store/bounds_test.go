package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seed/stackcapture/pkg/jvm"
)

func TestClip(t *testing.T) {
	tests := []struct {
		in    string
		limit int
	}{
		{"short", 100},
		{strings.Repeat("a", 5000), 100},
		{strings.Repeat("日本語", 2000), 101}, // cut inside a rune: moved back to its start
		{strings.Repeat("x", 101), 100},
	}
	for _, tt := range tests {
		got := clip(tt.in, tt.limit)
		if len(tt.in) <= tt.limit {
			if got != tt.in {
				t.Errorf("clip of a fitting string changed it: %q", got)
			}
			continue
		}
		if len(got) > tt.limit || !utf8.ValidString(got) || !strings.Contains(got, fmt.Sprintf("cut from %d bytes", len(tt.in))) {
			t.Errorf("clip(%d bytes, %d) = %d bytes %q", len(tt.in), tt.limit, len(got), got)
		}
	}
}

// TestStoredSizesAreCapped: what comes from outside is stored bounded, whatever its size: the
// alert as a whole, a reason, the columns a list reads. A fitting alert is stored unchanged.
func TestStoredSizesAreCapped(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)

	normal := newQueued("shop", "cart-0", base)
	id := mustInsert(t, s, normal)
	if d := diffCaptures(normal, mustGet(t, s, id)); d != "" {
		t.Fatalf("a fitting alert changed: %s", d)
	}

	huge := newQueued("shop", "cart-1", base)
	huge.Status, huge.FinishedAt = StatusSkipped, base
	huge.Error = "skipped: " + strings.Repeat("n", 100<<10)
	huge.Alert.AlertName = strings.Repeat("A", 20<<10)
	huge.Alert.Labels["pod"] = strings.Repeat("p", 420<<10)
	for i := range 5000 {
		huge.Alert.Labels[fmt.Sprintf("l%05d", i)] = "v"
	}
	huge.Alert.GeneratorURL = "http://grafana/" + strings.Repeat("u", 10<<10)
	id = mustInsert(t, s, huge)
	got := mustGet(t, s, id)
	js, err := json.Marshal(got.Alert)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > maxStoredAlertBytes+maxStoredAlertItems*64 {
		t.Errorf("stored alert is %d bytes", len(js))
	}
	if len(got.Error) > maxStoredReason || !strings.HasPrefix(got.Error, "skipped: nnn") {
		t.Errorf("stored reason: %d bytes, %.40q", len(got.Error), got.Error)
	}
	if len(got.AlertName) > maxStoredName {
		t.Errorf("alertname column: %d bytes", len(got.AlertName))
	}
	if v := got.Alert.Labels["pod"]; len(v) > maxStoredAlertValue || !strings.HasPrefix(v, "ppp") {
		t.Errorf("stored pod label: %d bytes", len(v))
	}
	if got.Alert.GeneratorURL != "" {
		t.Errorf("a URL too long to keep whole was kept cut: %.60q", got.Alert.GeneratorURL)
	}
	if note := got.Alert.Labels[cutLabel]; !strings.Contains(note, "were cut") {
		t.Errorf("no %s label saying the alert was cut: %q", cutLabel, note)
	}
	if huge.Alert.Labels[cutLabel] != "" || len(huge.Alert.Labels["pod"]) != 420<<10 {
		t.Errorf("storing changed the caller's alert")
	}

	// A failure reason and the busiest thread's name, as lists read them.
	run := mustInsert(t, s, newQueued("shop", "cart-2", base))
	if err := s.MarkRunning(ctx, run, base.Add(time.Second), "app", "n1"); err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("T", 1<<20)
	ps := []jvm.Process{{PID: 1, Threads: []jvm.Thread{{Name: name, NativeID: 9, CPUPercent: 99, InDump: true}}}}
	if err := s.Fail(ctx, run, base.Add(2*time.Second), "probe: "+strings.Repeat("e", 1<<20), ps); err != nil {
		t.Fatal(err)
	}
	page, err := s.List(ctx, Filter{Pod: "cart-2"})
	if err != nil || len(page.Captures) != 1 {
		t.Fatalf("list: %v %d", err, len(page.Captures))
	}
	c := page.Captures[0]
	if len(c.Error) > maxStoredReason || c.TopThread == nil || len(c.TopThread.Name) > maxStoredName {
		t.Errorf("listed: reason %d bytes, top thread %+v", len(c.Error), c.TopThread != nil)
	}
	if full := mustGet(t, s, run); full.TopThread == nil || full.TopThread.Name != name {
		t.Errorf("the detail lost the thread's whole name")
	}
}
