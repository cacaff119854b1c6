package kube_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/kube"
)

// When ctx ends, client-go's StreamWithContext returns while its copy goroutines may still be
// writing; Exec must not let them touch the caller's buffers after it returned (the capture
// reads its stdout buffer at once; found by the integration tier's timeout test under -race).
func TestExecDoesNotWriteAfterReturning(t *testing.T) {
	for _, tr := range transports {
		t.Run(transportName(tr), func(t *testing.T) {
			_, c := newEnv(t, tr)
			ctx, cancel := context.WithTimeout(guardedCtx(t), 500*time.Millisecond)
			defer cancel()
			var stdout, stderr bytes.Buffer // not safe for concurrent use: -race sees any late write
			err := c.Exec(ctx, kube.ExecRequest{
				Namespace: "shop", Pod: "app", Container: "app",
				Command: []string{"sh", "-c", "while :; do echo out; echo err >&2; done"},
				Stdout:  &stdout, Stderr: &stderr,
			})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Exec of an endless writer: %v, want the deadline", err)
			}
			n, m := stdout.Len(), stderr.Len()
			if n == 0 {
				t.Fatal("no output before the deadline: the test proves nothing")
			}
			time.Sleep(300 * time.Millisecond) // let any leftover copy goroutine run
			if stdout.Len() != n || stderr.Len() != m {
				t.Errorf("output grew after Exec returned: stdout %d → %d, stderr %d → %d bytes", n, stdout.Len(), m, stderr.Len())
			}
		})
	}
}
