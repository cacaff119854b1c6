package store

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkList lists one page of the 100 captures in a one-minute window of
// 100,000 stored captures spread over about a day, with and without a filter.
func BenchmarkList(b *testing.B) {
	s := openTest(b)
	ctx := testCtx(b)
	const stored, batch = 100_000, 1_000
	// One capture every 864 ms: 100 of them fall in any 86.4 s window.
	step := 864 * time.Millisecond
	for start := 0; start < stored; start += batch {
		cs := make([]*Capture, batch)
		for i := range cs {
			n := start + i
			c := newQueued(fmt.Sprintf("ns-%d", n%20), fmt.Sprintf("pod-%d", n%500), base.Add(time.Duration(n)*step))
			c.Container, c.Node = "app", fmt.Sprintf("node-%d", n%10)
			cs[i] = c
		}
		if _, err := s.InsertBatch(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	from := base.Add(50_000 * step)
	to := from.Add(99 * step)
	cases := map[string]Filter{
		"range":           {From: from, To: to, Limit: 100},
		"range+namespace": {From: from, To: to.Add(20 * 99 * step), Namespace: "ns-3", Limit: 100},
		"newest":          {Limit: 100},
	}
	for name, f := range cases {
		b.Run(name, func(b *testing.B) {
			page, err := s.List(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if len(page.Captures) != 100 {
				b.Fatalf("%d captures, want 100", len(page.Captures))
			}
			for b.Loop() {
				if _, err := s.List(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsertBatch stores a webhook's worth of captures (1,000 alerts) per op.
func BenchmarkInsertBatch(b *testing.B) {
	s := openTest(b)
	ctx := testCtx(b)
	const size = 1_000
	n := 0
	for b.Loop() {
		cs := make([]*Capture, size)
		for i := range cs {
			cs[i] = newQueued("ns", fmt.Sprintf("pod-%d", i), base.Add(time.Duration(n)*time.Millisecond))
			n++
		}
		if _, err := s.InsertBatch(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/capture")
}
