package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	rtpprof "runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/pprof"
)

// realHeapProfile is this test process's own heap profile: gzipped protobuf, as a Go
// program's /debug/pprof/heap serves it.
func realHeapProfile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := rtpprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	if !isGzip(buf.Bytes()) {
		t.Fatal("the heap profile is not gzipped")
	}
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testPieces are one piece of each shape a room returns: binary raw with a summary, text raw,
// summary without raw, a failure, a failure that kept a truncated summary.
func testPieces(t testing.TB) []evidence.Piece {
	started := time.Date(2026, 11, 21, 0, 0, 1, 0, time.UTC)
	cpu := func(fn string, share float64) json.RawMessage {
		return mustJSON(t, pprof.CPUSummary{Window: 2 * time.Second, Samples: 200, Functions: 3, TopFlat: []pprof.CPUFunc{
			{Function: "runtime.futex", FlatShare: share / 10},
			{Function: fn, Flat: time.Duration(share * float64(2*time.Second)), FlatShare: share, CumShare: share},
		}})
	}
	return []evidence.Piece{
		{Kind: "go-cpu", Container: "api", Source: `container port "pprof" (http://:6060/debug/pprof)`, Path: "/debug/pprof/profile?seconds=2",
			Started: started, Took: 2013 * time.Millisecond, Summary: cpu("main.spin", 0.93),
			Raw: realHeapProfile(t), RawName: "cpu.pb.gz", RawType: "application/octet-stream"},
		{Kind: "go-cpu", Container: "sidecar", Source: `annotation stackcapture.seed.io/pprof.sidecar`, Path: "/debug/pprof/profile?seconds=2",
			Started: started, Took: 2001 * time.Millisecond, Summary: cpu("main.idle", 0.05)},
		{Kind: "jvm-heap", Container: "app", Source: "jcmd in container app, pid 1", Path: "GC.class_histogram",
			Started: started, Took: 900 * time.Millisecond, Summary: json.RawMessage(`{"top":[{"class":"byte[]","bytes":1048576}]}`),
			Raw: []byte(strings.Repeat(" 1:   1024  1048576  [B (java.base@17)\n", 2000)), RawName: "heap-histogram.txt", RawType: "text/plain; charset=utf-8"},
		{Kind: "pod-story", Started: started, Took: 40 * time.Millisecond, Summary: json.RawMessage(`{"restarts":4}`)},
		{Kind: "go-heap", Container: "api", Source: "no endpoint", Started: started,
			Failure: &evidence.Failure{Reason: "no-endpoint", Message: "no pprof endpoint declared: annotate the pod stackcapture.seed.io/pprof=… or name a container port pprof"}},
		{Kind: "go-goroutines", Container: "api", Started: started, Truncated: true, Summary: json.RawMessage(`{"total":1000}`),
			Failure: &evidence.Failure{Reason: "truncated", Message: "cut at 65536 bytes"}},
	}
}

func finishedWithPieces(t *testing.T, s *Store, org int64, pieces []evidence.Piece) int64 {
	t.Helper()
	ctx := testCtx(t)
	c := newQueued("shop", "go-api-0", base)
	c.OrgID, c.Focus = org, evidence.FocusAll
	id := mustInsert(t, s, c)
	if err := s.MarkRunning(ctx, id, base, "api", "node-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, id, base.Add(3*time.Second), nil, false, 2000, pieces...); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEvidenceRoundTrip(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	pieces := testPieces(t)
	id := finishedWithPieces(t, s, 1, pieces)
	got := mustGet(t, s, id)
	if got.Focus != evidence.FocusAll {
		t.Errorf("focus %q, want all", got.Focus)
	}
	wantKinds := []evidence.Kind{"go-cpu", "jvm-heap", "pod-story", "go-goroutines"} // go-heap failed with nothing kept
	if !reflect.DeepEqual(got.EvidenceKinds, wantKinds) {
		t.Errorf("evidence kinds %v, want %v", got.EvidenceKinds, wantKinds)
	}
	if want := (&TopFunction{Kind: TopCPU, Name: "main.spin", Container: "api", Share: 0.93}); !reflect.DeepEqual(got.TopFunction, want) {
		t.Errorf("top function %+v, want %+v", got.TopFunction, want)
	}
	if len(got.Evidence) != len(pieces) {
		t.Fatalf("%d pieces, want %d", len(got.Evidence), len(pieces))
	}
	for i, e := range got.Evidence {
		p := pieces[i]
		want := p
		want.Raw = nil
		want.Summary = bytes.TrimSpace(p.Summary)
		if len(want.Summary) == 0 {
			want.Summary = nil
		}
		if e.ID <= 0 || !reflect.DeepEqual(e.Piece, want) || e.RawBytes != int64(len(p.Raw)) {
			t.Errorf("piece %d: got %+v (raw %d bytes), want %+v (raw %d bytes)", i, e.Piece, e.RawBytes, want, len(p.Raw))
		}
		var raw []byte
		err := s.StreamEvidenceRaw(ctx, 1, id, e.ID, func(info EvidenceRawInfo, r io.Reader) error {
			if info.Kind != p.Kind || info.Container != p.Container || info.RawName != p.RawName || info.RawType != p.RawType || info.Bytes != int64(len(p.Raw)) {
				t.Errorf("piece %d: raw info %+v", i, info)
			}
			var err error
			raw, err = io.ReadAll(r)
			return err
		})
		switch {
		case p.Raw == nil && !errors.Is(err, ErrNoRaw):
			t.Errorf("piece %d without raw bytes: %v, want ErrNoRaw", i, err)
		case p.Raw != nil && (err != nil || !bytes.Equal(raw, p.Raw)):
			t.Errorf("piece %d: raw read back %d bytes (%v), want the %d stored", i, len(raw), err, len(p.Raw))
		}
	}

	// Text is compressed in the store, a gzipped profile stored as is.
	var textStored, textGz, binStored, binGz int64
	if err := s.read.QueryRowContext(ctx, `SELECT length(raw), raw_gz FROM evidence WHERE capture_id = ? AND kind = 'jvm-heap'`, id).Scan(&textStored, &textGz); err != nil {
		t.Fatal(err)
	}
	if err := s.read.QueryRowContext(ctx, `SELECT length(raw), raw_gz FROM evidence WHERE capture_id = ? AND container = 'api' AND kind = 'go-cpu'`, id).Scan(&binStored, &binGz); err != nil {
		t.Fatal(err)
	}
	if textGz != 1 || textStored*10 > int64(len(pieces[2].Raw)) {
		t.Errorf("text raw stored as %d bytes (gz %d) for %d bytes: want it compressed", textStored, textGz, len(pieces[2].Raw))
	}
	if binGz != 0 || binStored != int64(len(pieces[0].Raw)) {
		t.Errorf("gzipped raw stored as %d bytes (gz %d) for %d: want it as is", binStored, binGz, len(pieces[0].Raw))
	}

	// Lists carry the kinds and the top function, from the capture's own columns.
	page, err := s.List(ctx, Filter{OrgID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != 1 || !reflect.DeepEqual(page.Captures[0].EvidenceKinds, wantKinds) ||
		page.Captures[0].TopFunction == nil || page.Captures[0].TopFunction.Name != "main.spin" || page.Captures[0].Evidence != nil {
		t.Errorf("list row: %+v", page.Captures)
	}
}

func TestEvidenceRawIsOrgScoped(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	pieces := testPieces(t)
	mine := finishedWithPieces(t, s, 1, pieces)
	theirs := finishedWithPieces(t, s, 2, pieces)
	mineEv := mustGet(t, s, mine).Evidence[0].ID
	theirEv := mustGet(t, s, theirs).Evidence[0].ID
	read := func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
	cases := []struct {
		name               string
		org, capture, piec int64
		want               error
	}{
		{"own piece", 1, mine, mineEv, nil},
		{"another org's capture", 1, theirs, theirEv, ErrNotFound},
		{"another org's piece under my capture", 1, mine, theirEv, ErrNotFound},
		{"my piece asked by the other org", 2, mine, mineEv, ErrNotFound},
		{"unknown piece", 1, mine, 999_999, ErrNotFound},
		{"no org", 0, mine, mineEv, ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.StreamEvidenceRaw(ctx, tc.org, tc.capture, tc.piec, func(_ EvidenceRawInfo, r io.Reader) error { return read(r) })
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("StreamEvidenceRaw: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestBadPiecesAreKeptWithAFailure: what a room returns is stored even when it cannot be
// stored as given, with a failure saying what was wrong.
func TestBadPiecesAreKeptWithAFailure(t *testing.T) {
	cases := []struct {
		name       string
		piece      evidence.Piece
		wantKind   evidence.Kind
		wantReason string
		wantMsg    string
	}{
		{"no kind", evidence.Piece{Summary: json.RawMessage(`{}`)}, "unknown", "bad-piece", "without a kind"},
		{"summary not JSON", evidence.Piece{Kind: "go-heap", Summary: json.RawMessage(`{"top":`)}, "go-heap", "bad-summary", "not valid JSON"},
		{"summary too large", evidence.Piece{Kind: "go-heap", Summary: json.RawMessage(`"` + strings.Repeat("x", maxEvidenceSummary) + `"`)}, "go-heap", "bad-summary", "larger than"},
		{"room's failure kept", evidence.Piece{Kind: "go-heap", Summary: json.RawMessage(`{`), Failure: &evidence.Failure{Reason: "timeout", Message: "took too long"}}, "go-heap", "timeout", "took too long; the summary is not valid JSON"},
		{"kind with the separator", evidence.Piece{Kind: "a,b", Summary: json.RawMessage(`{}`)}, "a_b", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			id := finishedWithPieces(t, s, 1, []evidence.Piece{tc.piece})
			got := mustGet(t, s, id).Evidence
			if len(got) != 1 || got[0].Kind != tc.wantKind {
				t.Fatalf("pieces %+v, want one of kind %s", got, tc.wantKind)
			}
			f := got[0].Failure
			switch {
			case tc.wantReason == "" && f != nil:
				t.Fatalf("failure %+v, want none", f)
			case tc.wantReason != "" && (f == nil || f.Reason != tc.wantReason || !strings.Contains(f.Message, tc.wantMsg)):
				t.Fatalf("failure %+v, want %s: …%s…", f, tc.wantReason, tc.wantMsg)
			}
		})
	}
}

// TestFailKeepsPieces: a failed capture keeps what could be taken (the pod's story).
func TestFailKeepsPieces(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	c := newQueued("shop", "gone-0", base)
	id := mustInsert(t, s, c)
	if err := s.MarkRunning(ctx, id, base, "app", "node-1"); err != nil {
		t.Fatal(err)
	}
	story := evidence.Piece{Kind: "pod-story", Summary: json.RawMessage(`{"restarts":4}`), Started: base}
	if err := s.Fail(ctx, id, base.Add(time.Second), "no JVM found", nil, story); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, id)
	if got.Status != StatusFailed || len(got.Evidence) != 1 || got.Evidence[0].Kind != "pod-story" ||
		!reflect.DeepEqual(got.EvidenceKinds, []evidence.Kind{"pod-story"}) {
		t.Fatalf("failed capture: status %s, evidence %+v, kinds %v", got.Status, got.Evidence, got.EvidenceKinds)
	}
	// One transaction: a capture that may not be failed keeps no pieces either.
	if err := s.Fail(ctx, id, base.Add(time.Second), "again", nil, story); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("second Fail: %v", err)
	}
	if n := len(mustGet(t, s, id).Evidence); n != 1 {
		t.Fatalf("%d pieces after a refused Fail, want 1", n)
	}
}

// TestPruneCountsEvidence: evidence counts in a capture's size for pruning, and goes with it.
func TestPruneCountsEvidence(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	big := evidence.Piece{Kind: "go-heap", Raw: bytes.Repeat([]byte{0x1f, 0x8b, 7, 3, 9}, 400_000), RawName: "heap.pb.gz", RawType: "application/octet-stream"}
	old := finishedWithPieces(t, s, 1, []evidence.Piece{big})
	var blob int64
	if err := s.read.QueryRowContext(ctx, "SELECT blob_bytes FROM captures WHERE id = ?", old).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if blob < int64(len(big.Raw)) {
		t.Fatalf("blob_bytes %d does not count the %d raw bytes", blob, len(big.Raw))
	}
	before, err := s.UsedBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, base, 0, before-int64(len(big.Raw))/2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, old); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the capture over the size cap was kept: %v", err)
	}
	after, err := s.UsedBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before-int64(len(big.Raw))/2 {
		t.Fatalf("used bytes %d → %d: the evidence was not freed", before, after)
	}
}

func TestFocusIsValidatedOnInsert(t *testing.T) {
	s := openTest(t)
	c := newQueued("shop", "cart-0", base)
	c.Focus = "disk"
	if _, err := s.Insert(testCtx(t), c); !errors.Is(err, ErrInvalidCapture) || !strings.Contains(err.Error(), "cpu, memory, all") {
		t.Fatalf("Insert with focus disk: %v", err)
	}
}
