package plugin

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/capture"
	"github.com/seed/stackcapture/pkg/settingspec"
)

// The capture package's own default budget (used where no server configuration is read) is
// the one the spec, and so the README, states.
func TestOutputBudgetDefaultMatchesTheCapturePackage(t *testing.T) {
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	st, err := spec.ServerSetting("output_budget_bytes")
	if err != nil {
		t.Fatal(err)
	}
	def, _, _, err := st.IntBounds()
	if err != nil {
		t.Fatal(err)
	}
	if def != capture.DefaultBudgetBytes {
		t.Fatalf("settings.json says output_budget_bytes defaults to %d, capture.DefaultBudgetBytes is %d", def, capture.DefaultBudgetBytes)
	}
}

// Every bounded grafana.ini key is accepted at the spec's min and max and refused one step
// outside, so the README table (rendered from the same spec) tells the server admin the truth.
func TestServerConfigBoundariesFollowTheSpec(t *testing.T) {
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	type edge struct {
		name   string
		value  string
		accept bool
	}
	checked := 0
	for _, st := range spec.Server {
		if !st.Bounded() {
			continue
		}
		checked++
		var edges []edge
		switch st.Kind {
		case settingspec.KindDuration:
			_, lo, hi, err := st.DurationBounds()
			if err != nil {
				t.Fatal(err)
			}
			edges = []edge{{"min-1", (lo - time.Millisecond).String(), false}, {"min", lo.String(), true},
				{"max", hi.String(), true}, {"max+1", (hi + time.Millisecond).String(), false}}
		case settingspec.KindInt, settingspec.KindBytes:
			_, lo, hi, err := st.IntBounds()
			if err != nil {
				t.Fatal(err)
			}
			edges = []edge{{"min-1", fmt.Sprint(lo - 1), false}, {"min", fmt.Sprint(lo), true},
				{"max", fmt.Sprint(hi), true}, {"max+1", fmt.Sprint(hi + 1), false}}
			if st.Kind == settingspec.KindBytes {
				// grafana.ini may write sizes with a unit.
				edges = append(edges, edge{"min in units", settingspec.FormatBytes(lo), true},
					edge{"max in units", settingspec.FormatBytes(hi), true},
					edge{"one byte", "1 B", lo <= 1}, edge{"decimal unit", "16 MB", false})
			}
		default:
			t.Fatalf("%s: bounded setting of kind %q has no boundary rule", st.Key, st.Kind)
		}
		for _, e := range edges {
			t.Run(st.Key+" "+e.name, func(t *testing.T) {
				env := "GF_PLUGIN_" + strings.ToUpper(st.Key) + "=" + e.value
				_, err := ParseServerConfig([]string{env}, fixedDataDir("/var/lib/grafana"))
				// The default config allows no namespace but is valid: any error is this key's.
				if e.accept && err != nil {
					t.Errorf("%s refused: %v", env, err)
				}
				if !e.accept && (err == nil || !strings.Contains(err.Error(), st.Key+":")) {
					t.Errorf("%s: want an error naming %s, got %v", env, st.Key, err)
				}
			})
		}
	}
	if checked == 0 {
		t.Fatal("no bounded server setting in the spec")
	}
}
