//go:build integration

package integration

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// transports are the ways the plugin's client can exec: WebSocket (the API server translates
// it to SPDY towards the kubelet), SPDY straight through, and the default WebSocket-first.
var transports = []struct {
	name      string
	transport kube.ExecTransport
}{
	{"websocket", kube.ExecTransportWebSocket},
	{"spdy", kube.ExecTransportSPDY},
	{"fallback", kube.ExecTransportFallback},
}

// assertSpinnerFirst checks a finished capture of a Spin JVM: done, and the spinning thread
// ranked first with its stack from a dump taken the given way.
func assertSpinnerFirst(t *testing.T, d plugin.CaptureDetail, j jvmtest.JVM, source jvm.DumpSource) {
	t.Helper()
	if d.Status != "done" {
		t.Fatalf("capture %d is %s: %s", d.ID, d.Status, d.Error)
	}
	if d.TopThread == nil || d.TopThread.Name != jvmtest.HotThread {
		t.Errorf("top thread %+v, want %s", d.TopThread, jvmtest.HotThread)
	}
	if len(d.Processes) != 1 {
		t.Fatalf("%d processes, want the one JVM", len(d.Processes))
	}
	p := d.Processes[0]
	if p.PID != j.PID || p.DumpSource != source || p.Container != podContainer {
		t.Errorf("process pid %d source %q container %q, want pid %d source %q container %s (error %q)",
			p.PID, p.DumpSource, p.Container, j.PID, source, podContainer, p.Error)
	}
	if len(p.Threads) == 0 {
		t.Fatal("no threads")
	}
	top := p.Threads[0]
	if top.Name != jvmtest.HotThread || !top.InDump || len(top.Frames) == 0 || !strings.HasPrefix(top.Frames[0].Method, jvmtest.HotMethod) {
		t.Errorf("first thread %q (in dump %v) with frames %+v, want %s spinning in %s", top.Name, top.InDump, top.Frames, jvmtest.HotThread, jvmtest.HotMethod)
	}
	// Far above any idle thread: the spinner holds most of a core.
	if len(p.Threads) > 1 && top.CPUPercent < 2*p.Threads[1].CPUPercent {
		t.Errorf("spinner at %.1f%% is not well above the next thread (%s at %.1f%%)", top.CPUPercent, p.Threads[1].Name, p.Threads[1].CPUPercent)
	}
	if d.Node != nodeName || d.Trigger != "alert" || d.RequestedBy != plugintest.Editor.Login {
		t.Errorf("node %q trigger %q requested by %q", d.Node, d.Trigger, d.RequestedBy)
	}
}

// The shipped RBAC is enough for a capture through the API server and kwok, over every exec
// transport: POST /webhook with Grafana's payload, then GET /captures/{id} has the spinner first.
func TestWebhookCapturesSpinningThreadThroughAPIServer(t *testing.T) {
	id := shippedIdentity(t)
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			tg := jvmPod(t, ns, "checkout-"+tr.name, j, hostPath)
			a := newApp(t, id, tr.transport, map[string]any{"sampleWindow": "1s", "topThreads": 10})
			capID := submitOne(t, a, tg)
			d := plugintest.WaitFinished(t, a, capID)
			assertSpinnerFirst(t, d, j, jvm.SourceAttach)
			if d.Alert == nil || d.Alert.AlertName != "Pod CPU high" || d.DashboardUID != "lab-dash" || d.PanelID != 1 {
				t.Errorf("alert %+v dashboard %q panel %d, want the fixture's", d.Alert, d.DashboardUID, d.PanelID)
			}
		})
	}
}

// With the shipped RBAC the health check passes against the real API server, and the account
// can do nothing beyond what captures need.
func TestShippedRBACIsSufficientAndLeast(t *testing.T) {
	id := shippedIdentity(t)
	a := newApp(t, id, kube.ExecTransportFallback, nil)
	res, checks := health(t, a)
	if res.Status != backend.HealthStatusOk {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}
	for _, name := range []string{"get pods", "get pods/exec", "create pods/exec", "get pods/log", "get pods/proxy", "list events"} {
		if c, ok := checks[name]; !ok || c.Status != "ok" {
			t.Errorf("check %q: %+v", name, c)
		}
	}
	if c := checks["kubernetes"]; c.Status != "ok" || !strings.Contains(c.Message, kubeVersion) {
		t.Errorf("kubernetes check %+v, want %s reachable", c, kubeVersion)
	}

	client, err := kube.NewForConfig(id.config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	ns := newNamespace(t)
	tests := []struct {
		verb, resource, subresource string
		allowed                     bool
	}{
		{"get", "pods", "", true},
		{"create", "pods", "exec", true},
		{"get", "pods", "log", true},
		{"list", "pods", "", false},
		{"watch", "pods", "", false},
		{"create", "pods", "", false},
		{"delete", "pods", "", false},
		{"patch", "pods", "", false},
		{"get", "pods", "exec", true}, // the WebSocket upgrade is a GET
		{"create", "pods", "attach", false},
		{"create", "pods", "portforward", false},
		{"create", "pods", "eviction", false},
		{"get", "secrets", "", false},
		{"list", "secrets", "", false},
		{"get", "configmaps", "", false},
		{"get", "nodes", "", false},
		{"create", "serviceaccounts", "token", false},
		{"get", "pods", "proxy", true},     // Go profiles
		{"create", "pods", "proxy", false}, // only GET through the proxy
		{"list", "events", "", true},       // the pod's story
		{"watch", "events", "", false},
		{"get", "nodes", "proxy", false}, // the kubelet: opt-in, kubelet-pprof.yaml
		{"list", "nodes", "", false},
	}
	for _, tc := range tests {
		allowed, reason, err := client.CanI(ctx, ns, tc.verb, tc.resource, tc.subresource)
		if err != nil {
			t.Fatalf("CanI %s %s/%s: %v", tc.verb, tc.resource, tc.subresource, err)
		}
		if allowed != tc.allowed {
			t.Errorf("%s %s/%s in %s: allowed %v, want %v (%s)", tc.verb, tc.resource, tc.subresource, ns, allowed, tc.allowed, reason)
		}
	}
}

// Without pods/exec the capture fails naming the grant the API server refused: get for the
// WebSocket upgrade (a GET), create for SPDY (a POST). The health check names both.
func TestWithoutExecGrantCaptureFailsNamingIt(t *testing.T) {
	id := identityWithout(t, "", "pods/exec")
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			verb := "get"
			if tr.transport == kube.ExecTransportSPDY {
				verb = "create"
			}
			want := fmt.Sprintf(`forbidden: cannot %s pods/exec in namespace %q (RBAC: grant %q on "pods/exec")`, verb, ns, verb)
			tg := jvmPod(t, ns, "noexec-"+tr.name, j, hostPath)
			a := newApp(t, id, tr.transport, map[string]any{"sampleWindow": "1s"})
			d := plugintest.WaitFinished(t, a, submitOne(t, a, tg))
			if d.Status != "failed" || !strings.Contains(d.Error, want) {
				t.Errorf("capture %s: %q, want failed with %q", d.Status, d.Error, want)
			}
		})
	}
	a := newApp(t, id, kube.ExecTransportFallback, nil)
	res, checks := health(t, a)
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "create pods/exec") || !strings.Contains(res.Message, "get pods/exec") {
		t.Errorf("health %v %q, want an error naming get and create pods/exec", res.Status, res.Message)
	}
	for _, verb := range []string{"get", "create"} {
		if c := checks[verb+" pods/exec"]; c.Status != "error" || !strings.Contains(c.Message, fmt.Sprintf(`grant %q on "pods/exec"`, verb)) {
			t.Errorf("check %s pods/exec: %+v", verb, c)
		}
	}
	if c := checks["get pods"]; c.Status != "ok" {
		t.Errorf("check get pods: %+v (only pods/exec was taken away)", c)
	}
}

// With create but not get on pods/exec (enough for kubectl's old SPDY exec, and what this
// project's RBAC granted before this test met a real API server), SPDY captures but the
// default WebSocket exec is refused, and the reason names get.
func TestExecOverWebSocketNeedsGet(t *testing.T) {
	id := identityWithout(t, "get", "pods/exec")
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			tg := jvmPod(t, ns, "createonly-"+tr.name, j, hostPath)
			a := newApp(t, id, tr.transport, map[string]any{"sampleWindow": "1s"})
			d := plugintest.WaitFinished(t, a, submitOne(t, a, tg))
			if tr.transport == kube.ExecTransportSPDY {
				assertSpinnerFirst(t, d, j, jvm.SourceAttach)
				return
			}
			want := fmt.Sprintf(`forbidden: cannot get pods/exec in namespace %q (RBAC: grant "get" on "pods/exec")`, ns)
			if d.Status != "failed" || !strings.Contains(d.Error, want) {
				t.Errorf("capture %s: %q, want failed with %q", d.Status, d.Error, want)
			}
		})
	}
	_, checks := health(t, newApp(t, id, kube.ExecTransportFallback, nil))
	if c := checks["get pods/exec"]; c.Status != "error" || !strings.Contains(c.Message, "WebSocket") {
		t.Errorf("check get pods/exec: %+v, want an error explaining WebSocket needs it", c)
	}
}

// Without pods/log, a JVM in a JRE-only image (no jcmd, no jstack) gets its SIGQUIT, but the
// dump cannot be read back from the log: the capture says so.
func TestWithoutLogGrantSigquitFallbackFailsNamingIt(t *testing.T) {
	id := identityWithout(t, "", "pods/log")
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JREOnly(t, jvmtest.JDK17Home), jvmtest.Compile(t))
	tools := jvmtest.ToolPath(t, "sh", "sleep", "date", "cat", "sed", "tr", "grep", "getconf", "readlink", "ls", "timeout")
	tg := jvmPod(t, ns, "jre-only", j, tools)
	a := newApp(t, id, kube.ExecTransportFallback, map[string]any{"sampleWindow": "1s", "captureTimeout": "20s"})
	d := plugintest.WaitFinished(t, a, submitOne(t, a, tg))
	want := fmt.Sprintf(`forbidden: cannot get pods/log in namespace %q (RBAC: grant "get" on "pods/log")`, ns)
	reason := d.Error
	if len(d.Processes) > 0 {
		reason += " " + d.Processes[0].Error
	}
	t.Logf("capture %s; reason: %s", d.Status, reason)
	if !strings.Contains(reason, "read the SIGQUIT dump back from the container log") || !strings.Contains(reason, want) {
		t.Errorf("capture %s, error %q, process %+v; want the log read named as failing with %q", d.Status, d.Error, d.Processes, want)
	}
	// The /proc sample does not need the log: the capture keeps the CPU ranking, by the
	// kernel's thread names, without stacks.
	if d.Status != "done" || len(d.Processes) != 1 {
		t.Fatalf("capture %s with %d processes, want done with the JVM's CPU ranking", d.Status, len(d.Processes))
	}
	p := d.Processes[0]
	if p.DumpSource != jvm.SourceSigquit {
		t.Errorf("dump source %q, want %q (no jcmd or jstack in the container)", p.DumpSource, jvm.SourceSigquit)
	}
	if len(p.Threads) == 0 || p.Threads[0].Name != jvmtest.HotThread {
		t.Errorf("threads %+v, want %s first by CPU", p.Threads, jvmtest.HotThread)
	}
	for _, th := range p.Threads {
		if th.InDump || len(th.Frames) > 0 {
			t.Errorf("thread %q has stack data from a dump that was never read", th.Name)
		}
	}
	_, checks := health(t, a)
	if c := checks["get pods/log"]; c.Status != "warning" || !strings.Contains(c.Message, "kill -3") {
		t.Errorf("check get pods/log: %+v, want a warning about the kill -3 fallback", c)
	}
}

// The namespaced RBAC (RoleBinding per namespace) is enough in its namespace; an alert from a
// namespace outside allowedNamespaces is skipped without touching the cluster.
func TestNamespacedRBACAndNamespaceOutsideAllowedSkipped(t *testing.T) {
	allowed := newNamespace(t)
	other := newNamespace(t)
	id := namespacedIdentity(t, allowed)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	inside := jvmPod(t, allowed, "inside", j, hostPath)
	outside := jvmPod(t, other, "outside", j, hostPath)
	a := newApp(t, id, kube.ExecTransportFallback, map[string]any{"sampleWindow": "1s", "allowedNamespaces": []string{allowed}})

	res, _ := health(t, a)
	if res.Status != backend.HealthStatusOk {
		t.Errorf("health with the namespaced RBAC: %v %s", res.Status, res.Message)
	}

	sub := submit(t, a, inside, outside)
	if len(sub.Accepted) != 1 || sub.Accepted[0].Namespace != allowed {
		t.Fatalf("accepted %+v, want only %s", sub.Accepted, allowed)
	}
	if len(sub.Skipped) != 1 || sub.Skipped[0].Namespace != other || !strings.Contains(sub.Skipped[0].Reason, "is not in the app's allowedNamespaces") {
		t.Errorf("skipped %+v, want %s outside allowedNamespaces", sub.Skipped, other)
	}
	assertSpinnerFirst(t, plugintest.WaitFinished(t, a, sub.Accepted[0].ID), j, jvm.SourceAttach)

	// The binding really is namespaced: the same account may not exec outside it.
	client, err := kube.NewForConfig(id.config)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := client.CanI(testContext(t), other, "create", "pods", "exec"); err != nil || ok {
		t.Errorf("exec in %s allowed=%v err=%v, want denied", other, ok, err)
	}
}

// A pod deleted after its capture was accepted (here while the capture waits for the node's
// only slot) fails with a reason saying the pod is gone.
func TestPodDeletedMidCaptureFails(t *testing.T) {
	id := shippedIdentity(t)
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	busy := jvmPod(t, ns, "busy", j, hostPath)
	doomed := jvmPod(t, ns, "doomed", j, hostPath)
	a := newApp(t, id, kube.ExecTransportFallback, map[string]any{"sampleWindow": "4s", "perNodeLimit": 1, "captureTimeout": "60s"})

	busyID := submitOne(t, a, busy)
	waitStatus(t, a, busyID, "running")
	doomedID := submitOne(t, a, doomed)
	// The busy capture holds the node's slot for its 4 s window; the doomed one has looked up
	// its pod and waits. Then the pod goes, as when a deployment rolls.
	time.Sleep(time.Second)
	if d := plugintest.Get[plugin.CaptureDetail](t, a, fmt.Sprintf("/captures/%d", doomedID), plugintest.Viewer); d.Status != "queued" {
		t.Fatalf("the second capture is %s, want queued behind the first (perNodeLimit 1)", d.Status)
	}
	zero := int64(0)
	if err := clusterFor(t).admin.CoreV1().Pods(ns).Delete(testContext(t), doomed.pod, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}

	d := plugintest.WaitFinished(t, a, doomedID)
	want := fmt.Sprintf("pod %s/%s not found (deleted, or replaced by a pod with another name)", ns, doomed.pod)
	if d.Status != "failed" || !strings.Contains(d.Error, want) {
		t.Errorf("capture of the deleted pod %s: %q, want failed with %q", d.Status, d.Error, want)
	}
	assertSpinnerFirst(t, plugintest.WaitFinished(t, a, busyID), j, jvm.SourceAttach)
}

// A JVM that is frozen (SIGSTOP: it cannot answer jcmd's attach) makes the capture run into
// captureTimeout; it fails with the timeout as its reason, and the JVM is left as it was.
func TestCaptureTimeoutFails(t *testing.T) {
	id := shippedIdentity(t)
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	tg := jvmPod(t, ns, "frozen", j, hostPath)
	if err := syscall.Kill(j.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(j.PID, syscall.SIGCONT) })
	a := newApp(t, id, kube.ExecTransportFallback, map[string]any{"sampleWindow": "500ms", "captureTimeout": "3s"})
	d := plugintest.WaitFinished(t, a, submitOne(t, a, tg))
	if d.Status != "failed" || !strings.Contains(d.Error, "capture timed out after 3s (captureTimeout)") {
		t.Errorf("capture %s: %q, want failed with the timeout", d.Status, d.Error)
	}
}

// waitStatus polls until the capture reaches status.
func waitStatus(t *testing.T, a *plugin.App, id int64, status string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		d := plugintest.Get[plugin.CaptureDetail](t, a, fmt.Sprintf("/captures/%d", id), plugintest.Viewer)
		if d.Status == status {
			return
		}
		if d.Status == "done" || d.Status == "failed" || d.Status == "skipped" {
			t.Fatalf("capture %d finished %s (%s) before it was seen %s", id, d.Status, d.Error, status)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("capture %d still %s, want %s", id, d.Status, status)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Behind a proxy that refuses WebSocket upgrades (as some corporate and older ingress proxies
// do), the default transport falls back to SPDY through the real API server and captures.
func TestFallbackToSPDYBehindProxyWithoutWebSocket(t *testing.T) {
	id := shippedIdentity(t)
	ns := newNamespace(t)
	j := jvmtest.Start(t, jvmtest.JDK17Home+"/bin/java", jvmtest.Compile(t))
	tg := jvmPod(t, ns, "behind-proxy", j, hostPath)

	proxy := newNoWebSocketProxy(t, id.config)
	viaProxy := rest.CopyConfig(id.config)
	viaProxy.Host = proxy.url
	viaProxy.TLSClientConfig = rest.TLSClientConfig{}
	a := newApp(t, identity{namespace: id.namespace, name: id.name, config: viaProxy}, kube.ExecTransportFallback,
		map[string]any{"sampleWindow": "1s"})
	d := plugintest.WaitFinished(t, a, submitOne(t, a, tg))
	assertSpinnerFirst(t, d, j, jvm.SourceAttach)
	refused, spdy := proxy.counts()
	if refused == 0 || spdy == 0 {
		t.Errorf("the proxy refused %d WebSocket and passed %d SPDY upgrades; want the exec to have tried the one and used the other", refused, spdy)
	}
}
