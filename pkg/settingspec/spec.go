// Package settingspec is the one definition of the app's settings — defaults, limits, units
// and descriptions — kept in settings.json. The backend validates with it, the config page
// imports the same file (src/components/AppConfig/settingsSpec.ts), and README.md's settings
// tables are rendered from it (spec_test.go fails, with the fix, when they disagree).
//
// The source is JSON rather than Go so the TypeScript bundle reads it as data, with no
// generator step to forget: both sides load the very same bytes.
package settingspec

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

//go:embed settings.json
var specJSON []byte

// Kind says how a setting's value is written and checked.
type Kind string

// The kinds of settings.
const (
	KindDuration Kind = "duration" // Go duration string
	KindBytes    Kind = "bytes"    // whole bytes (jsonData: a number; grafana.ini: "16 MiB" or bytes)
	KindInt      Kind = "int"      // whole number
	KindList     Kind = "list"
	KindLabels   Kind = "labels"
	KindPath     Kind = "path"
	KindText     Kind = "text"
	KindBool     Kind = "bool"
)

// Setting is one entry of settings.json. Default, Min and Max are raw JSON: a duration string,
// a number of bytes or a whole number, by Kind.
type Setting struct {
	Key         string          `json:"key"`
	Kind        Kind            `json:"kind"`
	Label       string          `json:"label,omitempty"`
	Default     json.RawMessage `json:"default,omitempty"`
	DefaultText string          `json:"defaultText,omitempty"`
	Min         json.RawMessage `json:"min,omitempty"`
	Max         json.RawMessage `json:"max,omitempty"`
	Doc         string          `json:"doc"`
}

// Spec is the whole file: grafana.ini keys (server) and jsonData keys (org).
type Spec struct {
	Server []Setting `json:"server"`
	Org    []Setting `json:"org"`
}

// Load decodes the embedded settings.json and checks that every bounded setting's default,
// min and max are of its kind and in order. It returns a fresh value each time: callers may not
// share mutable state through it.
func Load() (Spec, error) {
	var s Spec
	if err := json.Unmarshal(specJSON, &s); err != nil {
		return Spec{}, fmt.Errorf("settings.json: %w", err)
	}
	for _, list := range [][]Setting{s.Server, s.Org} {
		for _, st := range list {
			if err := st.check(); err != nil {
				return Spec{}, fmt.Errorf("settings.json: %s: %w", st.Key, err)
			}
		}
	}
	return s, nil
}

func (st Setting) check() error {
	switch st.Kind {
	case KindDuration:
		def, lo, hi, err := st.DurationBounds()
		if err != nil {
			return err
		}
		if lo > hi || def < lo || def > hi {
			return fmt.Errorf("default %s not within %s to %s", def, lo, hi)
		}
	case KindBytes, KindInt:
		def, lo, hi, err := st.IntBounds()
		if err != nil {
			return err
		}
		if lo > hi || def < lo || def > hi {
			return fmt.Errorf("default %d not within %d to %d", def, lo, hi)
		}
	}
	return nil
}

// DurationBounds returns a duration setting's default, min and max.
func (st Setting) DurationBounds() (def, lo, hi time.Duration, err error) {
	return triple(st, func(what string, raw json.RawMessage) (time.Duration, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("%s is not a duration string: %w", what, err)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		return d, nil
	})
}

// IntBounds returns a whole-number or byte setting's default, min and max.
func (st Setting) IntBounds() (def, lo, hi int64, err error) {
	return triple(st, func(what string, raw json.RawMessage) (int64, error) {
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, fmt.Errorf("%s is not a whole number: %w", what, err)
		}
		return n, nil
	})
}

// triple parses a setting's default, min and max with parse, naming the one that fails.
func triple[T any](st Setting, parse func(what string, raw json.RawMessage) (T, error)) (def, lo, hi T, err error) {
	var zero T
	if def, err = parse("default", st.Default); err != nil {
		return zero, zero, zero, err
	}
	if lo, err = parse("min", st.Min); err != nil {
		return zero, zero, zero, err
	}
	if hi, err = parse("max", st.Max); err != nil {
		return zero, zero, zero, err
	}
	return def, lo, hi, nil
}

// Bounded says whether the setting has a min and max.
func (st Setting) Bounded() bool { return len(st.Min) > 0 && len(st.Max) > 0 }

func find(list []Setting, key string) (Setting, error) {
	for _, st := range list {
		if st.Key == key {
			return st, nil
		}
	}
	return Setting{}, fmt.Errorf("settings.json has no setting %q", key)
}

// OrgSetting returns the jsonData setting named key.
func (s Spec) OrgSetting(key string) (Setting, error) { return find(s.Org, key) }

// ServerSetting returns the grafana.ini setting named key.
func (s Spec) ServerSetting(key string) (Setting, error) { return find(s.Server, key) }
