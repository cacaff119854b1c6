package capture

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
)

// storedRecorder keeps the Stored calls, in order; the other calls are not this test's.
type storedRecorder struct {
	noObserver
	calls []string
	bytes []int64
}

func (r *storedRecorder) Stored(kind string, n int64) {
	r.calls = append(r.calls, kind)
	r.bytes = append(r.bytes, n)
}

func TestObservePiecesStored(t *testing.T) {
	summary := json.RawMessage(`{"samples":200,"top":[{"function":"main.spin","share":0.93}]}`)
	raw := make([]byte, 4096)
	tests := []struct {
		name      string
		pieces    []evidence.Piece
		wantKinds []string
		wantBytes []int64
	}{
		{"nothing", nil, nil, nil},
		{
			name: "two containers' CPU profiles sum, the heap apart, in the order they came",
			pieces: []evidence.Piece{
				{Kind: "go-cpu", Container: "app", Summary: summary, Raw: raw},
				{Kind: "go-heap", Container: "app", Summary: summary},
				{Kind: "go-cpu", Container: "sidecar", Summary: summary, Raw: raw[:100]},
			},
			wantKinds: []string{"go-cpu", "go-heap"},
			wantBytes: []int64{int64(2*len(summary) + 4096 + 100), int64(len(summary))},
		},
		{
			name: "a failed piece counts what it kept; one that kept nothing is no call",
			pieces: []evidence.Piece{
				{Kind: "jvm-heap", Container: "app", Failure: &evidence.Failure{Reason: "no-tool", Message: "no jcmd"}},
				{Kind: "go-cpu", Container: "app", Failure: &evidence.Failure{Reason: "truncated", Message: "cut"}, Raw: raw[:10], Took: time.Second},
			},
			wantKinds: []string{"go-cpu"},
			wantBytes: []int64{10},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r storedRecorder
			observePiecesStored(&r, tc.pieces)
			if !reflect.DeepEqual(r.calls, tc.wantKinds) || !reflect.DeepEqual(r.bytes, tc.wantBytes) {
				t.Errorf("Stored calls %v %v, want %v %v", r.calls, r.bytes, tc.wantKinds, tc.wantBytes)
			}
		})
	}
}
