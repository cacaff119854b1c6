//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/pprof"
	"github.com/seed/stackcapture/pkg/pprof/pproftest"
)

// kubeletRBACFile is the opt-in grant for the kubelet's profiles.
var kubeletRBACFile = "../../deploy/kubernetes/kubelet-pprof.yaml"

// profileMaxBytes caps each raw profile, as the org's maxOutputBytes default does.
const profileMaxBytes = 16 << 20

// goPod creates a pod on the kwok node whose container "app" declares a port named pprof,
// and once kwok has it Running gives it ip as status.podIP: the address of a program in a
// network namespace, which kube-apiserver proxies to (kwok's own pod addresses lead nowhere).
func goPod(t *testing.T, namespace, name string, ip netip.Addr, port int32) {
	t.Helper()
	c := clusterFor(t)
	ctx := testContext(t)
	automount := false
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app": "go"}},
		Spec: corev1.PodSpec{
			NodeName:                     nodeName,
			AutomountServiceAccountToken: &automount,
			Containers: []corev1.Container{{Name: podContainer, Image: "gcr.io/distroless/static-debian12",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "pprof", ContainerPort: port}}}},
		},
	}
	if _, err := c.admin.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s/%s: %v", namespace, name, err)
	}
	err := poll(ctx, time.Minute, func(ctx context.Context) error {
		p, err := c.admin.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("pod is %s", p.Status.Phase)
		}
		if p.Status.PodIP == ip.String() {
			return nil
		}
		p.Status.PodIP = ip.String()
		p.Status.PodIPs = []corev1.PodIP{{IP: ip.String()}}
		_, err = c.admin.CoreV1().Pods(namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		if err == nil {
			err = errors.New("status.podIP just set; checking it stays")
		}
		return err
	})
	if err != nil {
		t.Fatalf("pod %s/%s never Running at %s: %v", namespace, name, ip, err)
	}
}

// goTarget starts the pprof target in a network namespace of its own and registers its pod.
func goTarget(t *testing.T, namespace, name string) (*pproftest.Target, podNetwork) {
	t.Helper()
	netns := newPodNetwork(t)
	target := pproftest.Start(t, pproftest.Options{Addr: netns.PodIP.String() + ":0", Wrap: netns.Wrap()})
	if target.Host != netns.PodIP.String() {
		t.Fatalf("target listens on %s, want the namespace's %s", target.Host, netns.PodIP)
	}
	goPod(t, namespace, name, netns.PodIP, target.Port)
	return target, netns
}

// endpointOf reads the pod as the plugin's identity and finds its declared pprof endpoint.
func endpointOf(t *testing.T, client *kube.Client, namespace, name string) pprof.Target {
	t.Helper()
	pod, err := client.Pod(testContext(t), namespace, name)
	if err != nil {
		t.Fatalf("read pod %s/%s: %v", namespace, name, err)
	}
	ep, err := pprof.Discover(pod, podContainer)
	if err != nil {
		t.Fatalf("discover the pprof endpoint: %v", err)
	}
	return pprof.Target{Namespace: namespace, Pod: name, Endpoint: ep}
}

// firstOwn is the first function of the target program itself (package main) in a ranking.
func firstOwn(funcs []pprof.CPUFunc) *pprof.CPUFunc {
	for i := range funcs {
		if strings.HasPrefix(funcs[i].Function, "main.") {
			return &funcs[i]
		}
	}
	return nil
}

func collectProfile(t *testing.T, client kube.Proxier, req pprof.Request) *pprof.Evidence {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ev := pprof.Collect(ctx, client, req)
	if ev == nil {
		t.Fatal("Collect returned nil")
	}
	return ev
}

// A Go program reached only through kube-apiserver's pods/proxy, as the plugin's service
// account with the shipped RBAC: the burning function tops the CPU profile over the window,
// the 1,000 goroutines parked on one channel are one group, and the heap top names the
// allocating function. The API server proxies to the pod's address in a network namespace,
// as it would to a pod on a real node.
func TestGoProfilesThroughPodsProxy(t *testing.T) {
	ns := newNamespace(t)
	target, _ := goTarget(t, ns, "agent")
	client, err := kube.NewForConfig(shippedIdentity(t).config)
	if err != nil {
		t.Fatal(err)
	}
	tgt := endpointOf(t, client, ns, "agent")
	if tgt.Endpoint.Port != target.Port || !strings.Contains(tgt.Endpoint.Source, `"pprof"`) {
		t.Fatalf("endpoint %+v, want the port named pprof (%d)", tgt.Endpoint, target.Port)
	}

	t.Run("cpu", func(t *testing.T) {
		ev := collectProfile(t, client, pprof.Request{Kind: pprof.KindCPU, Target: tgt, Window: 2 * time.Second, MaxBytes: profileMaxBytes})
		if ev.Failure != nil {
			t.Fatalf("CPU profile through pods/proxy failed: %v", ev.Failure)
		}
		s := ev.CPU
		if ev.Path != "/debug/pprof/profile?seconds=2" || s.Samples == 0 || len(s.TopFlat) == 0 {
			t.Fatalf("path %q, summary %+v", ev.Path, s)
		}
		// The window is the target's own measure; a tenth short means it was not honoured.
		if s.Window < 2*time.Second*9/10 {
			t.Errorf("profile window %s, want about 2s", s.Window)
		}
		// On a loaded machine the burner may get a small share of a core, and samples taken
		// as the runtime preempts it land in runtime.asyncPreempt: so the claim is about the
		// program's own functions, by own time and with callees.
		for _, top := range []struct {
			name  string
			funcs []pprof.CPUFunc
		}{{"flat", s.TopFlat}, {"cum", s.TopCum}} {
			if own := firstOwn(top.funcs); own == nil || own.Function != pproftest.BurnFunc || own.Cum <= 0 {
				t.Errorf("top %s of the program's own functions is %+v, want %s; top: %+v", top.name, own, pproftest.BurnFunc, top.funcs)
			}
		}
		if len(ev.Raw) < 2 || ev.Raw[0] != 0x1f || ev.Raw[1] != 0x8b {
			t.Errorf("raw CPU profile is not gzipped protobuf")
		}
	})
	t.Run("goroutines", func(t *testing.T) {
		ev := collectProfile(t, client, pprof.Request{Kind: pprof.KindGoroutines, Target: tgt, MaxBytes: profileMaxBytes})
		if ev.Failure != nil {
			t.Fatalf("goroutine profile through pods/proxy failed: %v", ev.Failure)
		}
		s := ev.Goroutines
		var parked []pprof.GoroutineGroup
		for _, g := range s.Groups {
			if g.Top == pproftest.ParkFunc {
				parked = append(parked, g)
			}
		}
		if len(parked) != 1 || parked[0].Count != int64(target.Parked) || parked[0].State != "chan receive" {
			t.Fatalf("groups in %s: %+v, want one of ×%d in chan receive", pproftest.ParkFunc, parked, target.Parked)
		}
		if s.Groups[0].Top != pproftest.ParkFunc {
			t.Errorf("largest group is %s ×%d, want the parked one", s.Groups[0].Top, s.Groups[0].Count)
		}
	})
	t.Run("heap", func(t *testing.T) {
		// The heap profile is as of the last GC: ask until the target's growth shows.
		deadline := time.Now().Add(time.Minute)
		for {
			ev := collectProfile(t, client, pprof.Request{Kind: pprof.KindHeap, Target: tgt, MaxBytes: profileMaxBytes})
			if ev.Failure != nil {
				t.Fatalf("heap profile through pods/proxy failed: %v", ev.Failure)
			}
			if top := ev.Heap.TopInUseBytes; len(top) > 0 && top[0].Function == pproftest.AllocFunc {
				if ev.Heap.InUseBytes < top[0].Flat {
					t.Errorf("in-use total %d below its top function's %d", ev.Heap.InUseBytes, top[0].Flat)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("heap top never named %s: %+v", pproftest.AllocFunc, ev.Heap.TopInUseBytes)
			}
			time.Sleep(300 * time.Millisecond)
		}
	})
}

// The shipped RBAC minus pods/proxy: every Go profile fails with reason forbidden naming the
// grant, the API server never reaching the program; the health check warns, and only warns.
func TestGoProfilesWithoutPodsProxyAreForbidden(t *testing.T) {
	ns := newNamespace(t)
	goTarget(t, ns, "agent")
	id := identityWithout(t, "", "pods/proxy")
	client, err := kube.NewForConfig(id.config)
	if err != nil {
		t.Fatal(err)
	}
	tgt := endpointOf(t, client, ns, "agent") // get pods is still granted
	for _, kind := range []pprof.Kind{pprof.KindCPU, pprof.KindGoroutines, pprof.KindHeap} {
		ev := collectProfile(t, client, pprof.Request{Kind: kind, Target: tgt, Window: time.Second, MaxBytes: profileMaxBytes})
		if ev.Failure == nil || ev.Failure.Reason != pprof.ReasonForbidden {
			t.Errorf("%s without pods/proxy: failure %+v, want reason %s", kind, ev.Failure, pprof.ReasonForbidden)
			continue
		}
		if !strings.Contains(ev.Failure.Message, "pods/proxy") || !strings.Contains(ev.Failure.Message, ns) || len(ev.Raw) != 0 {
			t.Errorf("%s: message %q (raw %d bytes), want the grant and namespace named and nothing kept", kind, ev.Failure.Message, len(ev.Raw))
		}
	}

	a := newApp(t, id, kube.ExecTransportFallback, nil)
	res, checks := health(t, a)
	if c := checks["get pods/proxy"]; c.Status != "warning" || !strings.Contains(c.Message, "go-cpu") || !strings.Contains(c.Message, "forbidden") {
		t.Errorf("check get pods/proxy: %+v, want a warning naming the Go evidence lost", c)
	}
	if c := checks["create pods/exec"]; c.Status != "ok" {
		t.Errorf("check create pods/exec: %+v (only pods/proxy was taken away)", c)
	}
	if res.Status.String() != "OK" {
		t.Errorf("health %v %q: a missing pods/proxy must warn, not fail", res.Status, res.Message)
	}
}

// The kubelet's profiles need nodes/proxy, which the shipped rbac.yaml does not grant: the
// kubelet pieces fail with forbidden, and the health check asks only when the server admin
// turned allow_kubelet_pprof on. kubelet-pprof.yaml, applied for the account, grants it.
func TestKubeletProfilesNeedTheOptInGrant(t *testing.T) {
	shipped, err := kube.NewForConfig(shippedIdentity(t).config)
	if err != nil {
		t.Fatal(err)
	}
	ev := collectProfile(t, shipped, pprof.Request{Kind: pprof.KindGoroutines, Target: pprof.Target{Node: nodeName}, MaxBytes: profileMaxBytes})
	if ev.Failure == nil || ev.Failure.Reason != pprof.ReasonForbidden || !strings.Contains(ev.Failure.Message, "nodes/proxy") {
		t.Errorf("kubelet goroutines with the shipped RBAC: %+v, want forbidden naming nodes/proxy", ev.Failure)
	}

	id := kubeletIdentity(t)
	kubeletOn := func(t *testing.T, id identity, on bool) map[string]plugin.HealthCheck {
		t.Helper()
		newKube := func(plugin.ClusterConfig) (plugin.KubeClient, error) { return kube.NewForConfig(id.config) }
		a := plugintest.NewApp(t, newKube, nil, plugintest.WithServer(map[string]string{"allow_kubelet_pprof": fmt.Sprint(on)}))
		res, checks := health(t, a)
		if res.Status.String() != "OK" {
			t.Errorf("health %v %q", res.Status, res.Message)
		}
		return checks
	}
	if c, ok := kubeletOn(t, shippedIdentity(t), false)["get nodes/proxy"]; ok {
		t.Errorf("allow_kubelet_pprof off, yet the health check asks about nodes/proxy: %+v", c)
	}
	if c := kubeletOn(t, shippedIdentity(t), true)["get nodes/proxy"]; c.Status != "warning" || !strings.Contains(c.Message, "kubelet-pprof.yaml") {
		t.Errorf("allow_kubelet_pprof on without the grant: %+v, want a warning naming kubelet-pprof.yaml", c)
	}
	if c := kubeletOn(t, id, true)["get nodes/proxy"]; c.Status != "ok" {
		t.Errorf("allow_kubelet_pprof on with kubelet-pprof.yaml applied: %+v", c)
	}
	client, err := kube.NewForConfig(id.config)
	if err != nil {
		t.Fatal(err)
	}
	// nodes/proxy is granted for every node, and nothing else is added.
	for _, tc := range []struct {
		verb, resource, sub string
		want                bool
	}{{"get", "nodes", "proxy", true}, {"create", "nodes", "proxy", false}, {"get", "nodes", "", false}} {
		got, reason, err := client.CanI(testContext(t), "", tc.verb, tc.resource, tc.sub)
		if err != nil || got != tc.want {
			t.Errorf("%s %s/%s with kubelet-pprof.yaml: %v (%s, %v), want %v", tc.verb, tc.resource, tc.sub, got, reason, err, tc.want)
		}
	}
}

// kubeletIdentity is rbac.yaml and kubelet-pprof.yaml applied as shipped for a fresh account.
func kubeletIdentity(t *testing.T) identity {
	t.Helper()
	c := clusterFor(t)
	ctx := testContext(t)
	name := "stackcapture-" + randomSuffix(t)
	err := c.applyFile(ctx, clusterRBACFile, func(o *unstructured.Unstructured) bool {
		switch o.GetKind() {
		case "ServiceAccount":
			o.SetName(name)
			return true
		case "ClusterRoleBinding":
			o.SetName(name)
			renameSubjects(t, o, name)
			return true
		}
		return false // the shipped ClusterRole, applied by TestMain
	})
	if err != nil {
		t.Fatal(err)
	}
	err = c.applyFile(ctx, kubeletRBACFile, func(o *unstructured.Unstructured) bool {
		if o.GetKind() == "ClusterRoleBinding" {
			o.SetName(name + "-kubelet")
			renameSubjects(t, o, name)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteClusterRBAC(c, name); deleteClusterRBAC(c, name+"-kubelet") })
	return newIdentity(t, shippedNamespace, name)
}

// The namespaced variant (namespaced/rbac.yaml's RoleBinding per allowed namespace) grants
// pods/proxy only there: a pod of another namespace, at the same address, is forbidden.
func TestGoProfilesNamespacedRBAC(t *testing.T) {
	allowed, other := newNamespace(t), newNamespace(t)
	target, netns := goTarget(t, allowed, "agent")
	goPod(t, other, "agent", netns.PodIP, target.Port)
	client, err := kube.NewForConfig(namespacedIdentity(t, allowed).config)
	if err != nil {
		t.Fatal(err)
	}
	tgt := endpointOf(t, client, allowed, "agent")
	ev := collectProfile(t, client, pprof.Request{Kind: pprof.KindGoroutines, Target: tgt, MaxBytes: profileMaxBytes})
	if ev.Failure != nil || ev.Goroutines == nil || ev.Goroutines.Total <= int64(target.Parked) {
		t.Fatalf("goroutines in the bound namespace %s: failure %v", allowed, ev.Failure)
	}
	// The plugin cannot even read the other pod; ask for its profile as if it had.
	otherTgt := pprof.Target{Namespace: other, Pod: "agent", Endpoint: tgt.Endpoint}
	ev = collectProfile(t, client, pprof.Request{Kind: pprof.KindGoroutines, Target: otherTgt, MaxBytes: profileMaxBytes})
	if ev.Failure == nil || ev.Failure.Reason != pprof.ReasonForbidden || !strings.Contains(ev.Failure.Message, other) {
		t.Errorf("goroutines in the unbound namespace %s: %+v, want forbidden naming it", other, ev.Failure)
	}
}
