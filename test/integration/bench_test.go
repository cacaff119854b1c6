//go:build integration

package integration

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/kube"
)

// BenchmarkExecRoundTrip measures one exec (`echo ok`) as the plugin's service account through
// the API server to kwok and back, per transport. It reports the median besides the mean.
func BenchmarkExecRoundTrip(b *testing.B) {
	c := clusterFor(b)
	id := shippedIdentity(b)
	ns := newNamespace(b)
	if err := c.createPod(testContext(b), ns, "echo", nil); err != nil {
		b.Fatal(err)
	}
	if err := c.waitExecReady(testContext(b), ns, "echo"); err != nil {
		b.Fatal(err)
	}
	for _, tr := range transports[:2] {
		b.Run(tr.name, func(b *testing.B) {
			client, err := kube.NewForConfigWithTransport(id.config, tr.transport)
			if err != nil {
				b.Fatal(err)
			}
			var took []time.Duration
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				var out bytes.Buffer
				start := time.Now()
				err := client.Exec(ctx, kube.ExecRequest{Namespace: ns, Pod: "echo", Container: podContainer,
					Command: []string{"sh", "-c", "echo ok"}, Stdout: &out})
				took = append(took, time.Since(start))
				cancel()
				if err != nil || out.String() != "ok\n" {
					b.Fatalf("exec: %v, output %q", err, out.String())
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
		})
	}
}
