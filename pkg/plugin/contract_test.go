package plugin_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/plugin"
)

// contract/*.json are the API examples the frontend's tests render. Two checks keep both
// sides honest: every fixture decodes into the API types with no unknown field and encodes
// back to itself, and every real response the tests see has only the paths and types that
// its fixture has.

func contractFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "contract", name))
	if err != nil {
		t.Fatalf("contract fixture %s: %v", name, err)
	}
	return b
}

func TestContractFixturesMatchTheAPITypes(t *testing.T) {
	tests := []struct {
		file string
		into func() any
	}{
		{"list.json", func() any { return &plugin.ListResponse{} }},
		{"detail-done.json", func() any { return &plugin.CaptureDetail{} }},
		{"detail-failed.json", func() any { return &plugin.CaptureDetail{} }},
		{"detail-skipped.json", func() any { return &plugin.CaptureDetail{} }},
		{"detail-truncated.json", func() any { return &plugin.CaptureDetail{} }},
		{"capture-evidence.json", func() any { return &plugin.CaptureDetail{} }},
		{"list-evidence.json", func() any { return &plugin.ListResponse{} }},
		{"submit.json", func() any { return &plugin.SubmitResponse{} }},
		{"clusters.json", func() any { return &plugin.ClustersResponse{} }},
		{"health.json", func() any { return &healthResponse{} }},
		{"hot-frames.json", func() any { return &plugin.HotFramesResponse{} }},
		{"previous.json", func() any { return &plugin.PreviousResponse{} }},
		{"compare.json", func() any { return &plugin.CompareResponse{} }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := contractFixture(t, tt.file)
			v := tt.into()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("the API has no such shape: %v", err)
			}
			back, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(back, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("the API would encode this fixture differently:\nfixture: %s\nAPI:     %s", compact(raw), back)
			}
		})
	}
}

// healthResponse is what Grafana answers on /api/plugins/<id>/health, carrying our details.
type healthResponse struct {
	Status  string               `json:"status"`
	Message string               `json:"message"`
	Details plugin.HealthDetails `json:"details"`
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

// assertShape fails when a real response has a path or a JSON type its contract fixture lacks.
// null matches any type: the fixture shows the value when it is set. More fixtures add the
// paths they show (a JVM capture's pieces of evidence are shown in capture-evidence.json).
func assertShape(t *testing.T, body []byte, fixture string, more ...string) {
	t.Helper()
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	known := map[string][]string{}
	for _, f := range append([]string{fixture}, more...) {
		var want any
		if err := json.Unmarshal(contractFixture(t, f), &want); err != nil {
			t.Fatal(err)
		}
		shape(want, "$", known)
	}
	seen := map[string][]string{}
	shape(got, "$", seen)
	var problems []string
	for path, types := range seen {
		for _, typ := range types {
			if typ == "null" || slices.Contains(known[path], typ) {
				continue
			}
			if len(known[path]) == 0 {
				problems = append(problems, path+" is not in "+fixture)
			} else if !slices.Contains(known[path], "null") || len(known[path]) > 1 {
				problems = append(problems, path+" is "+typ+", the fixture has "+strings.Join(known[path], "|"))
			} else {
				problems = append(problems, path+" is "+typ+" but the fixture only shows null: add an example")
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("contract %s: %s", fixture, p)
	}
}

// shape records the JSON type at every path; array elements share the path "[]".
func shape(v any, path string, out map[string][]string) {
	add := func(typ string) {
		if !slices.Contains(out[path], typ) {
			out[path] = append(out[path], typ)
		}
	}
	switch x := v.(type) {
	case nil:
		add("null")
	case bool:
		add("bool")
	case float64:
		add("number")
	case string:
		add("string")
	case []any:
		add("array")
		for _, e := range x {
			shape(e, path+"[]", out)
		}
	case map[string]any:
		add("object")
		// Alert labels and values are maps keyed by the user's label names, not fields; a
		// piece's summary is its kind's own shape (contract/evidence/<kind>.json).
		if strings.HasSuffix(path, ".labels") || strings.HasSuffix(path, ".values") || strings.HasSuffix(path, ".summary") {
			return
		}
		for k, e := range x {
			shape(e, path+"."+k, out)
		}
	}
}
