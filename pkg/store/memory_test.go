package store

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm"
)

// allocatedBy returns the bytes of Go heap fn allocated.
func allocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestListDoesNotDecodeStoredAlerts lists captures whose alerts carry a 1 MB label each. The
// list shows only the alert's name, dashboard and panel, which have columns of their own: it
// must not read, let alone decode, the stored alerts (that took 2.6 MiB per row).
func TestListDoesNotDecodeStoredAlerts(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	const rows = 40
	big := strings.Repeat("x", 1<<20)
	for i := range rows {
		c := newQueued("shop", fmt.Sprintf("cart-%d", i), base.Add(time.Duration(i)*time.Second))
		c.Alert.Labels["huge"] = big
		mustInsert(t, s, c)
	}
	var page Page
	var err error
	alloc := allocatedBy(func() { page, err = s.List(ctx, Filter{Limit: MaxLimit}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != rows {
		t.Fatalf("listed %d captures, want %d", len(page.Captures), rows)
	}
	for _, c := range page.Captures {
		if c.Alert != nil || c.AlertName != "HighCPU" || c.DashboardUID != "dash-1" || c.PanelID != 7 {
			t.Fatalf("listed capture %d: alert %v, name %q, dashboard %q, panel %d", c.ID, c.Alert != nil, c.AlertName, c.DashboardUID, c.PanelID)
		}
	}
	t.Logf("listing %d captures allocated %.2f MiB", rows, float64(alloc)/(1<<20))
	if alloc > 2<<20 {
		t.Errorf("listing %d captures allocated %.1f MiB: the stored alerts were read", rows, float64(alloc)/(1<<20))
	}
	// The detail view still has the stored alert (its huge label cut to what is stored).
	if got := mustGet(t, s, page.Captures[0].ID); got.Alert == nil || !strings.HasPrefix(got.Alert.Labels["huge"], "xxx") || got.Alert.Labels["namespace"] != "shop" {
		t.Errorf("Get lost the stored alert")
	}
}

// TestStreamRawDumps reads back what RawDumps returns, holding only the compressed form: the
// allocations of streaming a 12 MiB dump stay far below its size.
func TestStreamRawDumps(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	id := mustInsert(t, s, newQueued("shop", "cart-0", base))
	if err := s.MarkRunning(ctx, id, base.Add(time.Second), "app", "node-1"); err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	for i := 0; dump.Len() < 12<<20; i++ {
		fmt.Fprintf(&dump, "\"pool-%d\" nid=0x%x\n\tat a.B%d.c(B.java:%d)\n", i, i, i%31, i%977)
	}
	procs := []jvm.Process{{PID: 1, Raw: dump.String()}, {PID: 2, Container: "side", Raw: "small dump\n"}, {PID: 3}}
	if err := s.Finish(ctx, id, base.Add(2*time.Second), procs, false, 1000); err != nil {
		t.Fatal(err)
	}
	want, err := s.RawDumps(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	var got []RawDump
	var n int
	alloc := allocatedBy(func() {
		n, err = s.StreamRawDumps(ctx, id, func(info RawDumpInfo, r io.Reader) error {
			h := newHashWriter()
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			if info.Bytes != h.n {
				t.Errorf("pid %d: %d bytes read, info says %d", info.PID, h.n, info.Bytes)
			}
			got = append(got, RawDump{PID: info.PID, Container: info.Container, Text: h.sample()})
			return nil
		})
	})
	if err != nil || n != len(want) || len(got) != len(want) {
		t.Fatalf("streamed %d dumps (%v), want %d", n, err, len(want))
	}
	for i := range want {
		if got[i].PID != want[i].PID || got[i].Container != want[i].Container || got[i].Text != sampleOf(want[i].Text) {
			t.Errorf("dump %d: pid %d container %q, want pid %d container %q (text equal %v)", i, got[i].PID, got[i].Container, want[i].PID, want[i].Container, got[i].Text == sampleOf(want[i].Text))
		}
	}
	t.Logf("streaming a %d MiB dump allocated %.2f MiB", len(procs[0].Raw)>>20, float64(alloc)/(1<<20))
	if alloc > 4<<20 {
		t.Errorf("streaming a %d MiB dump allocated %.1f MiB", len(procs[0].Raw)>>20, float64(alloc)/(1<<20))
	}

	stop := errors.New("stop")
	if _, err := s.StreamRawDumps(ctx, id, func(RawDumpInfo, io.Reader) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("an error of fn: got %v", err)
	}
	if _, err := s.StreamRawDumps(ctx, id+1, func(RawDumpInfo, io.Reader) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown capture: %v, want ErrNotFound", err)
	}
}

// hashWriter keeps the length and a hash of what it is written, not the text.
type hashWriter struct {
	n int64
	h hash.Hash64
}

func newHashWriter() *hashWriter { return &hashWriter{h: fnv.New64a()} }

func (w *hashWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return w.h.Write(p)
}

func (w *hashWriter) sample() string { return fmt.Sprintf("%d:%x", w.n, w.h.Sum64()) }

func sampleOf(s string) string {
	w := newHashWriter()
	_, _ = io.WriteString(w, s)
	return w.sample()
}
