package plugin_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/settingspec"
)

// contract/settings-boundaries.json holds jsonData cases at every bounded setting's edges
// (min−1, min, max, max+1, from pkg/settingspec/settings.json) with the backend's verdict.
// The config page's Jest test loads each case into the form and must reach the same verdict,
// so the form can never accept what ParseSettings rejects (which would turn every route into
// 503 on save). This test recomputes the file and fails when it is stale.

// updateEnv rewrites the generated files instead of failing.
const updateEnv = "STACKCAPTURE_UPDATE_GENERATED"

type boundaryCase struct {
	Name     string         `json:"name"`
	Edge     string         `json:"edge,omitempty"` // min-1, min, max, max+1; empty for the other cases
	JSONData map[string]any `json:"jsonData"`
	Accepted bool           `json:"accepted"`
	Error    string         `json:"error,omitempty"`
}

// boundaryContext are the other settings a case needs so that only the tested one decides:
// captureTimeout must exceed sampleWindow, so each is tested with the other at its far edge.
func boundaryContext(spec settingspec.Spec, key string) (map[string]any, error) {
	edge := func(other string, pickMax bool) (map[string]any, error) {
		st, err := spec.OrgSetting(other)
		if err != nil {
			return nil, err
		}
		_, lo, hi, err := st.DurationBounds()
		if err != nil {
			return nil, err
		}
		if pickMax {
			return map[string]any{other: settingspec.FormatDuration(hi)}, nil
		}
		return map[string]any{other: settingspec.FormatDuration(lo)}, nil
	}
	switch key {
	case "sampleWindow":
		return edge("captureTimeout", true)
	case "captureTimeout":
		return edge("sampleWindow", false)
	}
	return map[string]any{}, nil
}

func boundaryCases(t *testing.T) []boundaryCase {
	t.Helper()
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var cases []boundaryCase
	add := func(name, edge string, jsonData map[string]any) {
		raw, err := json.Marshal(jsonData)
		if err != nil {
			t.Fatal(err)
		}
		c := boundaryCase{Name: name, Edge: edge, JSONData: jsonData, Accepted: true}
		if _, err := plugin.ParseSettings(raw); err != nil {
			c.Accepted, c.Error = false, err.Error()
		}
		cases = append(cases, c)
	}
	bounded := 0
	for _, st := range spec.Org {
		if !st.Bounded() {
			continue
		}
		bounded++
		edges := []struct {
			name  string
			value any
		}{}
		switch st.Kind {
		case settingspec.KindDuration:
			// A millisecond is the finest step the config page's parser resolves.
			_, lo, hi, err := st.DurationBounds()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []struct {
				name string
				d    time.Duration
			}{{"min-1", lo - time.Millisecond}, {"min", lo}, {"max", hi}, {"max+1", hi + time.Millisecond}} {
				edges = append(edges, struct {
					name  string
					value any
				}{e.name, settingspec.FormatDuration(e.d)})
			}
		case settingspec.KindInt, settingspec.KindBytes:
			_, lo, hi, err := st.IntBounds()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []struct {
				name string
				n    int64
			}{{"min-1", lo - 1}, {"min", lo}, {"max", hi}, {"max+1", hi + 1}} {
				edges = append(edges, struct {
					name  string
					value any
				}{e.name, e.n})
			}
		default:
			t.Fatalf("%s: bounded setting of kind %q has no boundary rule", st.Key, st.Kind)
		}
		for _, e := range edges {
			jsonData, err := boundaryContext(spec, st.Key)
			if err != nil {
				t.Fatal(err)
			}
			jsonData[st.Key] = e.value
			add(fmt.Sprintf("%s %s (%v)", st.Key, e.name, e.value), e.name, jsonData)
		}
	}
	if bounded == 0 {
		t.Fatal("settings.json has no bounded org setting")
	}
	// The relation between settings, and values of the wrong shape.
	add("captureTimeout equal to sampleWindow", "", map[string]any{"sampleWindow": "5s", "captureTimeout": "5s"})
	add("captureTimeout just over sampleWindow", "", map[string]any{"sampleWindow": "5s", "captureTimeout": "5001ms"})
	add("sampleWindow not a duration", "", map[string]any{"sampleWindow": "2 seconds"})
	add("deniedNamespaces empty", "", map[string]any{"deniedNamespaces": []string{}})
	add("deniedNamespaces with an upper-case name", "", map[string]any{"deniedNamespaces": []string{"Kube-System"}})
	add("clusters with an underscore", "", map[string]any{"clusters": []string{"prod_eu"}})
	return cases
}

func TestSettingsBoundariesContract(t *testing.T) {
	cases := boundaryCases(t)
	for _, c := range cases {
		// Edges the spec calls min and max are accepted, one step outside rejected.
		switch c.Edge {
		case "min", "max":
			if !c.Accepted {
				t.Errorf("%s: the backend rejects the spec's own bound: %s", c.Name, c.Error)
			}
		case "min-1", "max+1":
			if c.Accepted {
				t.Errorf("%s: the backend accepts a value outside the spec's bounds", c.Name)
			}
		}
	}
	got, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("..", "..", "contract", "settings-boundaries.json")
	if os.Getenv(updateEnv) != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(want, got) {
		t.Fatalf("%s is stale or missing (%v): regenerate it with\n  %s=1 go test -run TestSettingsBoundariesContract ./pkg/plugin/\nthen run the config page's Jest tests", path, err, updateEnv)
	}
}

// Every jsonData key the backend reads is in the spec, and nothing else: a new setting cannot
// skip the README table and the config page's checks.
func TestSpecCoversEveryJSONDataKey(t *testing.T) {
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var inSpec []string
	for _, st := range spec.Org {
		inSpec = append(inSpec, st.Key)
	}
	sort.Strings(inSpec)
	if got := plugin.SettingKeys(); !reflect.DeepEqual(got, inSpec) {
		t.Fatalf("ParseSettings reads %v; pkg/settingspec/settings.json's org settings are %v", got, inSpec)
	}
}
