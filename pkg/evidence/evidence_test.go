package evidence

import (
	"strings"
	"testing"
)

func TestParseFocus(t *testing.T) {
	tests := []struct {
		in      string
		want    Focus
		wantErr string
	}{
		{in: "cpu", want: FocusCPU},
		{in: " Memory ", want: FocusMemory},
		{in: "ALL", want: FocusAll},
		{in: "heap", wantErr: `unknown capture label "heap": use one of cpu, memory, all`},
		{in: "", wantErr: `unknown capture label ""`},
	}
	for _, tt := range tests {
		got, err := ParseFocus(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFocus(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFocus(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFocusIncludes(t *testing.T) {
	tests := []struct {
		f, g Focus
		want bool
	}{
		{FocusCPU, FocusCPU, true},
		{FocusCPU, FocusMemory, false},
		{FocusMemory, FocusCPU, false},
		{FocusAll, FocusCPU, true},
		{FocusAll, FocusMemory, true},
		{FocusMemory, FocusMemory, true},
	}
	for _, tt := range tests {
		if got := tt.f.Includes(tt.g); got != tt.want {
			t.Errorf("%s.Includes(%s) = %v, want %v", tt.f, tt.g, got, tt.want)
		}
	}
}
