package settingspec

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// README markers around each generated table.
const (
	ServerTableBegin = "<!-- settings:server:begin (generated from pkg/settingspec/settings.json) -->"
	ServerTableEnd   = "<!-- settings:server:end -->"
	OrgTableBegin    = "<!-- settings:org:begin (generated from pkg/settingspec/settings.json) -->"
	OrgTableEnd      = "<!-- settings:org:end -->"
)

// MarkdownTable renders settings as the README's table: key, default, limits, what it does.
func MarkdownTable(list []Setting) (string, error) {
	var b strings.Builder
	b.WriteString("| key | default | limits | what it does |\n|---|---|---|---|\n")
	for _, st := range list {
		def, err := st.DefaultDoc()
		if err != nil {
			return "", fmt.Errorf("%s: %w", st.Key, err)
		}
		limits, err := st.LimitsDoc()
		if err != nil {
			return "", fmt.Errorf("%s: %w", st.Key, err)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", st.Key, def, limits, st.Doc)
	}
	return b.String(), nil
}

// DefaultDoc is the default as the README writes it: in its unit, in backticks.
func (st Setting) DefaultDoc() (string, error) {
	if st.DefaultText != "" {
		return st.DefaultText, nil
	}
	switch st.Kind {
	case KindBytes:
		def, _, _, err := st.IntBounds()
		if err != nil {
			return "", err
		}
		return "`" + FormatBytes(def) + "`", nil
	case KindList:
		var items []string
		if err := json.Unmarshal(st.Default, &items); err != nil {
			return "", fmt.Errorf("default is not a list of strings: %w", err)
		}
		return "`[" + strings.Join(items, ", ") + "]`", nil
	default:
		var v any
		if err := json.Unmarshal(st.Default, &v); err != nil {
			return "", fmt.Errorf("default: %w", err)
		}
		return fmt.Sprintf("`%v`", v), nil
	}
}

// LimitsDoc is the accepted range, inclusive, in the setting's unit; empty when unbounded.
func (st Setting) LimitsDoc() (string, error) {
	if !st.Bounded() {
		return "", nil
	}
	switch st.Kind {
	case KindDuration:
		_, lo, hi, err := st.DurationBounds()
		if err != nil {
			return "", err
		}
		return FormatDuration(lo) + " – " + FormatDuration(hi), nil
	case KindBytes:
		_, lo, hi, err := st.IntBounds()
		if err != nil {
			return "", err
		}
		return FormatBytes(lo) + " – " + FormatBytes(hi), nil
	default:
		_, lo, hi, err := st.IntBounds()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d – %d", lo, hi), nil
	}
}

// FormatDuration writes d in one unit as people write it ("100ms", "60s", "10m", "168h"),
// where Go's String would write "1m0s" for a minute; the config page does the same.
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d > time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	default:
		return d.String()
	}
}
