package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
)

// landedSnapshot is what the landed version (schema v2, main at 20026f3) served from the
// database it wrote: see testdata/landedv2/main.go, which wrote both files.
type landedSnapshot struct {
	SchemaVersion int
	Captures      []Capture
	Raw           map[string][]RawDump
	Lists         map[string][]int64
	Filters       map[string]Filter
}

// openLandedV2 copies the landed version's database into a temporary directory (opening
// migrates it in place) and opens it.
func openLandedV2(t *testing.T) (*Store, landedSnapshot) {
	t.Helper()
	var snap landedSnapshot
	js, err := os.ReadFile(filepath.Join("testdata", "landed-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &snap); err != nil {
		t.Fatalf("landed-v2.json: %v", err)
	}
	if snap.SchemaVersion != 2 || len(snap.Captures) == 0 {
		t.Fatalf("landed-v2.json: schema %d with %d captures, want a v2 database with captures", snap.SchemaVersion, len(snap.Captures))
	}
	db, err := os.ReadFile(filepath.Join("testdata", "landed-v2.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "captures.db")
	if err := os.WriteFile(path, db, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(testCtx(t), path, Options{})
	if err != nil {
		t.Fatalf("open the landed v2 database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, snap
}

// TestMigrationFromLandedV2 opens a database the landed version wrote and checks that every
// capture in it reads exactly as that version served it: details with processes, raw dumps,
// lists and their filters. What v3 adds reads as the old captures were: CPU captures, of JVM
// threads when they have threads, without other evidence.
func TestMigrationFromLandedV2(t *testing.T) {
	s, snap := openLandedV2(t)
	ctx := testCtx(t)
	var version int
	if err := s.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != SchemaVersion {
		t.Fatalf("schema version after open: %d, want %d", version, SchemaVersion)
	}
	statuses := map[Status]int{}
	for i := range snap.Captures {
		want := snap.Captures[i]
		statuses[want.Status]++
		want.Focus = evidence.FocusCPU
		if want.TopThread != nil {
			want.EvidenceKinds = []evidence.Kind{evidence.KindJVMThreads}
		}
		got := mustGet(t, s, want.ID)
		if d := diffCaptures(&want, got); d != "" {
			t.Errorf("capture %d (%s): %s", want.ID, want.Status, d)
		}
		inOrg, err := s.GetInOrg(ctx, want.OrgID, want.ID)
		if err != nil || inOrg.ID != want.ID {
			t.Errorf("GetInOrg(%d, %d): %v", want.OrgID, want.ID, err)
		}
		if _, err := s.GetInOrg(ctx, want.OrgID+10, want.ID); err == nil {
			t.Errorf("capture %d of org %d is served to org %d", want.ID, want.OrgID, want.OrgID+10)
		}

		dumps, err := s.RawDumps(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantDumps := snap.Raw[fmt.Sprint(want.ID)]
		if wantDumps == nil {
			wantDumps = []RawDump{}
		}
		if !reflect.DeepEqual(dumps, wantDumps) {
			t.Errorf("capture %d: raw dumps differ from the landed version's (%d dumps, want %d)", want.ID, len(dumps), len(wantDumps))
		}
		var streamed []RawDump
		if _, err := s.StreamRawDumps(ctx, want.ID, func(info RawDumpInfo, r io.Reader) error {
			b, err := io.ReadAll(r)
			streamed = append(streamed, RawDump{PID: info.PID, Container: info.Container, Text: string(b)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(streamed) > 0 && !reflect.DeepEqual(streamed, wantDumps) {
			t.Errorf("capture %d: streamed raw dumps differ from the landed version's", want.ID)
		}
	}
	for _, st := range []Status{StatusDone, StatusFailed, StatusSkipped} {
		if statuses[st] == 0 {
			t.Errorf("the landed database has no %s capture: regenerate it with testdata/landedv2", st)
		}
	}
	for name, f := range snap.Filters {
		page, err := s.List(ctx, f)
		if err != nil {
			t.Fatalf("List %s: %v", name, err)
		}
		ids := []int64{}
		for _, c := range page.Captures {
			ids = append(ids, c.ID)
			if c.Focus != evidence.FocusCPU || c.TopFunction != nil {
				t.Errorf("List %s: old capture %d reads focus %q, top function %+v; want cpu and none", name, c.ID, c.Focus, c.TopFunction)
			}
		}
		if !reflect.DeepEqual(ids, snap.Lists[name]) {
			t.Errorf("List %s: ids %v, the landed version listed %v", name, ids, snap.Lists[name])
		}
	}
}

// TestMigratedDatabaseTakesEvidence writes a capture with evidence into a migrated landed
// database, then prunes everything: the evidence goes with its capture.
func TestMigratedDatabaseTakesEvidence(t *testing.T) {
	s, snap := openLandedV2(t)
	ctx := testCtx(t)
	c := newQueued("shop", "go-api-1", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	c.Focus = evidence.FocusAll
	id := mustInsert(t, s, c)
	if id <= int64(len(snap.Captures)) {
		t.Fatalf("new capture id %d reuses an old one (%d captures)", id, len(snap.Captures))
	}
	if err := s.MarkRunning(ctx, id, c.CreatedAt, "api", "node-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, id, c.CreatedAt.Add(3*time.Second), nil, false, 2000, testPieces(t)...); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, id)
	if got.Focus != evidence.FocusAll || len(got.Evidence) != len(testPieces(t)) {
		t.Fatalf("capture on the migrated database: focus %q, %d pieces", got.Focus, len(got.Evidence))
	}
	if _, err := s.Prune(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour, 0); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM evidence").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d evidence rows outlived their pruned captures", left)
	}
}

func TestMigrationV2KeepsRowsInOrgOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if _, err := db.ExecContext(ctx, schemaV1+"PRAGMA user_version = 1;"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO captures (status, trigger, namespace, pod, created_at) VALUES ('running', 'alert', 'shop', 'a', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := s.GetInOrg(ctx, 1, 1)
	if err != nil || c.OrgID != 1 || c.Owner != "" || !c.Deadline.IsZero() {
		t.Fatalf("v1 row after migration: %+v %v", c, err)
	}
	// A v1 row has no owner: the first start recovers it whatever is alive.
	if n, err := s.RecoverOrphans(ctx, time.Now(), func(string) bool { return true }); err != nil || n != 1 {
		t.Errorf("RecoverOrphans of a v1 row: %d %v", n, err)
	}
}
