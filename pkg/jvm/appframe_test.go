package jvm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The cases are shared with the frontend's topAppFrame (src/utils/frames.cases.test.ts).
func TestTopAppFrameSharedCases(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "contract", "frames", "top-app-frame.json"))
	if err != nil {
		t.Fatalf("shared cases: %v", err)
	}
	var file struct {
		Cases []struct {
			Name  string   `json:"name"`
			Stack []string `json:"stack"`
			Top   *string  `json:"top"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("shared cases: %v", err)
	}
	if len(file.Cases) < 5 {
		t.Fatalf("only %d shared cases", len(file.Cases))
	}
	for _, tc := range file.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			frames := make([]Frame, len(tc.Stack))
			for i, m := range tc.Stack {
				frames[i] = Frame{Method: m, Source: "X.java:1"}
			}
			got, ok := TopAppFrame(frames)
			switch {
			case tc.Top == nil && ok:
				t.Errorf("top app frame = %q, want none", got.Method)
			case tc.Top != nil && (!ok || got.Method != *tc.Top):
				t.Errorf("top app frame = %q (found %v), want %q", got.Method, ok, *tc.Top)
			}
		})
	}
}

func TestFrameKeyIsStableAcrossRuns(t *testing.T) {
	tests := []struct{ method, want string }{
		{"com.acme.Spin.spinHot", "com.acme.Spin.spinHot"},
		{"Workload.lambda$main$0", "Workload.lambda$main$0"},
		// JDK 17 numbers lambdas and places them at an address; JDK 21+ only the address.
		{"Workload$$Lambda$14/0x0000000800c03000.run", "Workload$$Lambda.run"},
		{"Workload$$Lambda/0x0000000058040210.run", "Workload$$Lambda.run"},
		{"com.acme.Handler$$Lambda/0x00007f3a1c0b2a88.apply", "com.acme.Handler$$Lambda.apply"},
		{"com.acme.Proxy/0x0000000801234567.invoke", "com.acme.Proxy.invoke"},
		{"com.acme.Odd$$Name.run", "com.acme.Odd$$Name.run"},
	}
	for _, tc := range tests {
		if got := FrameKey(tc.method); got != tc.want {
			t.Errorf("FrameKey(%q) = %q, want %q", tc.method, got, tc.want)
		}
	}
	// Two runs of the same lambda are one frame.
	a, b := FrameKey("Workload$$Lambda/0x0000000058040210.run"), FrameKey("Workload$$Lambda/0x0000000058040ce0.run")
	if a != b {
		t.Errorf("two runs of one lambda: %q and %q", a, b)
	}
}
