package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	namespaces = []string{"shop", "pay", "ops"}
	pods       = []string{"cart-0", "cart-1", "api-0", "api-1"}
	containers = []string{"", "app", "sidecar"}
	nodes      = []string{"", "node-1", "node-2"}
	dashboards = []string{"", "dash-1", "dash-2"}
)

// seedRandom stores n captures with random targets, statuses and timestamps
// drawn from few distinct milliseconds (so created_at ties are common) and
// returns them as stored.
func seedRandom(t testing.TB, s *Store, rng *rand.Rand, n int) []Capture {
	t.Helper()
	ctx := testCtx(t)
	cs := make([]*Capture, n)
	for i := range cs {
		c := newQueued(namespaces[rng.IntN(len(namespaces))], pods[rng.IntN(len(pods))], base.Add(time.Duration(rng.IntN(80))*time.Millisecond))
		c.Container = containers[rng.IntN(len(containers))]
		c.Node = nodes[rng.IntN(len(nodes))]
		if d := dashboards[rng.IntN(len(dashboards))]; d == "" {
			c.Alert, c.Trigger = nil, TriggerManual
		} else {
			c.Alert.DashboardUID, c.Alert.PanelID = d, int64(1+rng.IntN(2))
		}
		if rng.IntN(5) == 0 {
			c.Status, c.FinishedAt, c.Error, c.NextAllowedAt = StatusSkipped, c.CreatedAt, "cooldown", c.CreatedAt.Add(time.Minute)
		}
		cs[i] = c
	}
	if _, err := s.InsertBatch(ctx, cs); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Status != StatusQueued {
			continue
		}
		switch rng.IntN(4) {
		case 0: // stays queued
		case 1:
			if err := s.MarkRunning(ctx, c.ID, c.CreatedAt, c.Container, c.Node); err != nil {
				t.Fatal(err)
			}
			c.Status, c.StartedAt = StatusRunning, c.CreatedAt
		case 2:
			if err := s.Fail(ctx, c.ID, c.CreatedAt, "no jvm", nil); err != nil {
				t.Fatal(err)
			}
			c.Status, c.FinishedAt, c.Error = StatusFailed, c.CreatedAt, "no jvm"
		case 3:
			if err := s.MarkRunning(ctx, c.ID, c.CreatedAt, c.Container, c.Node); err != nil {
				t.Fatal(err)
			}
			if err := s.Finish(ctx, c.ID, c.CreatedAt, nil, false, 1000); err != nil {
				t.Fatal(err)
			}
			c.Status, c.StartedAt, c.FinishedAt, c.WindowMs = StatusDone, c.CreatedAt, c.CreatedAt, 1000
		}
	}
	out := make([]Capture, n)
	for i, c := range cs {
		out[i] = *c
	}
	return out
}

// expected is List's contract written the obvious way: filter everything, sort newest first.
func expected(all []Capture, f Filter) []int64 {
	var out []Capture
	for _, c := range all {
		var dash string
		var panel int64
		if c.Alert != nil {
			dash, panel = c.Alert.DashboardUID, c.Alert.PanelID
		}
		ms := c.CreatedAt.UnixMilli()
		if (f.Namespace == "" || f.Namespace == c.Namespace) && (f.Pod == "" || f.Pod == c.Pod) &&
			(f.Container == "" || f.Container == c.Container) && (f.Node == "" || f.Node == c.Node) &&
			(f.Status == "" || f.Status == c.Status) && (f.DashboardUID == "" || f.DashboardUID == dash) &&
			(f.PanelID == 0 || f.PanelID == panel) &&
			(f.From.IsZero() || ms >= f.From.UnixMilli()) && (f.To.IsZero() || ms <= f.To.UnixMilli()) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Capture) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	return ids
}

// listAll follows cursors to the end and returns every id, checking page sizes.
func listAll(t *testing.T, s *Store, f Filter) []int64 {
	t.Helper()
	ctx := testCtx(t)
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("pagination does not end for %+v", f)
		}
		page, err := s.List(ctx, f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		if len(page.Captures) > limit {
			t.Fatalf("page of %d captures over limit %d", len(page.Captures), limit)
		}
		if page.Next != "" && len(page.Captures) != limit {
			t.Fatalf("non-final page of %d captures, limit %d", len(page.Captures), limit)
		}
		for _, c := range page.Captures {
			ids = append(ids, c.ID)
		}
		if page.Next == "" {
			return ids
		}
		f.Cursor = page.Next
	}
}

func TestListMatchesModel(t *testing.T) {
	s := openTest(t)
	rng := rand.New(rand.NewPCG(7, 11))
	all := seedRandom(t, s, rng, 300)

	t.Run("each filter alone", func(t *testing.T) {
		from, to := base.Add(20*time.Millisecond), base.Add(40*time.Millisecond)
		filters := []Filter{
			{},
			{Namespace: "shop"},
			{Pod: "api-1"},
			{Container: "sidecar"},
			{Node: "node-2"},
			{Status: StatusRunning},
			{Status: StatusSkipped},
			{DashboardUID: "dash-2"},
			{PanelID: 2},
			{DashboardUID: "dash-1", PanelID: 1},
			{From: from},
			{To: to},
			{From: from, To: to},
			{From: from, To: from}, // a single millisecond
			{Namespace: "nope"},
		}
		for _, f := range filters {
			f.Limit = 500
			want := expected(all, f)
			got := listAll(t, s, f)
			if !slices.Equal(got, want) {
				t.Errorf("List(%+v): got %d ids, want %d\n got %v\nwant %v", f, len(got), len(want), got, want)
			}
			if f.Namespace != "nope" && f != (Filter{Limit: 500}) && (len(want) == 0 || len(want) == len(all)) {
				t.Errorf("filter %+v selects %d of %d rows: the data does not exercise it", f, len(want), len(all))
			}
		}
	})

	t.Run("random filters and pages", func(t *testing.T) {
		pick := func(vals []string) string {
			if rng.IntN(3) == 0 {
				return vals[rng.IntN(len(vals))]
			}
			return ""
		}
		statuses := []string{"queued", "running", "done", "failed", "skipped"}
		for i := 0; i < 200; i++ {
			f := Filter{
				Namespace: pick(namespaces), Pod: pick(pods), Container: pick(containers[1:]), Node: pick(nodes[1:]),
				Status: Status(pick(statuses)), DashboardUID: pick(dashboards[1:]),
				Limit: 1 + rng.IntN(40),
			}
			if rng.IntN(4) == 0 {
				f.PanelID = int64(1 + rng.IntN(2))
			}
			// Bounds are stored timestamps, so rows sit exactly on them.
			if rng.IntN(2) == 0 {
				f.From = all[rng.IntN(len(all))].CreatedAt
			}
			if rng.IntN(2) == 0 {
				f.To = all[rng.IntN(len(all))].CreatedAt
				if !f.From.IsZero() && f.To.Before(f.From) {
					f.From, f.To = f.To, f.From
				}
			}
			want := expected(all, f)
			got := listAll(t, s, f)
			if !slices.Equal(got, want) {
				t.Fatalf("List(%+v): got %v, want %v", f, got, want)
			}
		}
	})

	t.Run("every row exactly once across pages", func(t *testing.T) {
		for _, limit := range []int{1, 7, 50, 299, 300, 301, 500} {
			got := listAll(t, s, Filter{Limit: limit})
			seen := map[int64]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("limit %d: id %d listed twice", limit, id)
				}
				seen[id] = true
			}
			if len(seen) != len(all) {
				t.Fatalf("limit %d: %d distinct rows, want %d", limit, len(seen), len(all))
			}
		}
	})
}

func TestListBoundariesInclusive(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	// Three captures in the same millisecond and one on each side.
	times := []time.Duration{-1, 0, 0, 0, 1}
	var ids []int64
	for _, d := range times {
		ids = append(ids, mustInsert(t, s, newQueued("ns", "pod", base.Add(d*time.Millisecond))))
	}
	page, err := s.List(ctx, Filter{From: base, To: base})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range page.Captures {
		got = append(got, c.ID)
	}
	// Same created_at: newest id first.
	if want := []int64{ids[3], ids[2], ids[1]}; !slices.Equal(got, want) {
		t.Fatalf("From=To=%s: got %v, want %v", base, got, want)
	}
	// Sub-millisecond parts of the bounds are ignored: epoch-ms semantics.
	page, err = s.List(ctx, Filter{From: base.Add(999 * time.Microsecond), To: base.Add(time.Millisecond + 999*time.Microsecond)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != 4 || page.Captures[0].ID != ids[4] {
		t.Fatalf("sub-ms bounds: %d captures", len(page.Captures))
	}
}

func TestListRejectsBadInput(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	for i := 0; i < 3; i++ {
		mustInsert(t, s, newQueued("ns", "pod", base.Add(time.Duration(i)*time.Second)))
	}
	cursors := map[string]string{
		"not base64":     "!!!",
		"garbage":        base64.RawURLEncoding.EncodeToString([]byte("hello")),
		"wrong version":  base64.RawURLEncoding.EncodeToString([]byte("2.1740830400000.3")),
		"bad time":       base64.RawURLEncoding.EncodeToString([]byte("1.soon.3")),
		"bad id":         base64.RawURLEncoding.EncodeToString([]byte("1.1740830400000.x")),
		"zero id":        base64.RawURLEncoding.EncodeToString([]byte("1.1740830400000.0")),
		"too many parts": base64.RawURLEncoding.EncodeToString([]byte("1.2.3.4")),
	}
	for name, cur := range cursors {
		if _, err := s.List(ctx, Filter{Cursor: cur}); !errors.Is(err, ErrBadCursor) {
			t.Errorf("cursor %s: got %v, want ErrBadCursor", name, err)
		}
	}
	for _, limit := range []int{-1, 501, 1 << 30} {
		if _, err := s.List(ctx, Filter{Limit: limit}); !errors.Is(err, ErrBadFilter) {
			t.Errorf("limit %d: got %v, want ErrBadFilter", limit, err)
		}
	}
	if _, err := s.List(ctx, Filter{Status: "exploded"}); !errors.Is(err, ErrBadFilter) {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := s.List(ctx, Filter{From: base.Add(time.Hour), To: base}); !errors.Is(err, ErrBadFilter) {
		t.Errorf("from after to: %v", err)
	}
	for _, limit := range []int{1, 500} {
		page, err := s.List(ctx, Filter{Limit: limit})
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if want := min(limit, 3); len(page.Captures) != want {
			t.Errorf("limit %d: %d captures, want %d", limit, len(page.Captures), want)
		}
	}
}

func TestListDefaultLimit(t *testing.T) {
	s := openTest(t)
	cs := make([]*Capture, DefaultLimit+5)
	for i := range cs {
		cs[i] = newQueued("ns", "pod", base.Add(time.Duration(i)*time.Millisecond))
	}
	if _, err := s.InsertBatch(testCtx(t), cs); err != nil {
		t.Fatal(err)
	}
	page, err := s.List(testCtx(t), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != DefaultLimit || page.Next == "" {
		t.Fatalf("default page: %d captures, next %q", len(page.Captures), page.Next)
	}
}

// TestListUsesIndexes checks that every filter List offers is served by an
// index in the wanted order: no full scan, no sort of the matching rows.
func TestListUsesIndexes(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(1, 2))
	seedRandom(t, s, rng, 50)
	cur := encodeCursor(base.UnixMilli(), 10)
	filters := map[string]Filter{
		"none":      {},
		"namespace": {Namespace: "shop"},
		"pod":       {Pod: "cart-0"},
		"container": {Container: "app"},
		"node":      {Node: "node-1"},
		"status":    {Status: StatusDone},
		"panel":     {DashboardUID: "dash-1", PanelID: 1},
		"range":     {From: base, To: base.Add(time.Hour)},
		"cursor":    {Namespace: "shop", Cursor: cur},
	}
	for name, f := range filters {
		plan := explainList(t, ctx, s, f)
		t.Logf("%s: %s", name, strings.ReplaceAll(plan, "\n", "; "))
		if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "USING INDEX") {
			t.Errorf("%s: query plan sorts or scans:\n%s", name, plan)
		}
	}
}

// explainList runs EXPLAIN QUERY PLAN over the statement List would run.
func explainList(t *testing.T, ctx context.Context, s *Store, f Filter) string {
	t.Helper()
	q, args, _, err := buildList(f)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
