package kubetest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

// These tests pin the raw HTTP answers that client-go relies on.

func get(t *testing.T, method, url string, into any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, url, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("%s %s: decode: %v", method, url, err)
	}
	return resp.StatusCode
}

func TestRawResponses(t *testing.T) {
	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{Namespace: "ns", Name: "p", Node: "n1", Containers: []kubetest.ContainerSpec{{Name: "a"}, {Name: "b"}}})
	base := srv.URL() + "/api/v1/namespaces/ns/pods/"

	var pod corev1.Pod
	if code := get(t, http.MethodGet, base+"p", &pod); code != http.StatusOK {
		t.Fatalf("GET pod: %d", code)
	}
	if pod.Kind != "Pod" || pod.Spec.NodeName != "n1" || len(pod.Status.ContainerStatuses) != 2 || pod.Status.ContainerStatuses[1].State.Running == nil {
		t.Errorf("pod = %+v", pod)
	}

	tests := []struct {
		name, method, path string
		deny               [3]string
		code               int
		reason             metav1.StatusReason
	}{
		{"unknown pod", http.MethodGet, "nope", [3]string{}, 404, metav1.StatusReasonNotFound},
		{"exec without command", http.MethodPost, "p/exec?container=a&stdout=true", [3]string{}, 400, metav1.StatusReasonBadRequest},
		{"exec without streams", http.MethodPost, "p/exec?container=a&command=true", [3]string{}, 400, metav1.StatusReasonBadRequest},
		{"exec needs a container name", http.MethodPost, "p/exec?stdout=true&command=true", [3]string{}, 400, metav1.StatusReasonBadRequest},
		{"log of unknown container", http.MethodGet, "p/log?container=zz", [3]string{}, 400, metav1.StatusReasonBadRequest},
		{"denied exec", http.MethodPost, "p/exec?container=a&stdout=true&command=true", [3]string{"create", "pods", "exec"}, 403, metav1.StatusReasonForbidden},
		{"proxy to a pod without an IP", http.MethodGet, "http:p:6060/proxy/debug/pprof/", [3]string{}, 400, metav1.StatusReasonBadRequest},
		{"proxy with a bad scheme", http.MethodGet, "ftp:p:6060/proxy/", [3]string{}, 400, metav1.StatusReasonBadRequest},
		{"proxy to an unknown pod", http.MethodGet, "http:nope:6060/proxy/", [3]string{}, 404, metav1.StatusReasonNotFound},
		{"denied proxy", http.MethodGet, "http:p:6060/proxy/debug/pprof/", [3]string{"get", "pods", "proxy"}, 403, metav1.StatusReasonForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.deny[0] != "" {
				srv.Deny(tc.deny[0], tc.deny[1], tc.deny[2])
			}
			var st metav1.Status
			code := get(t, tc.method, base+tc.path, &st)
			if code != tc.code || st.Kind != "Status" || st.Status != metav1.StatusFailure || st.Reason != tc.reason || int(st.Code) != tc.code || st.Message == "" {
				t.Errorf("%s %s = %d %+v; want %d %s Status", tc.method, tc.path, code, st, tc.code, tc.reason)
			}
		})
	}
	if started, _, _ := srv.ExecStats(); started != 0 {
		t.Errorf("rejected requests started %d execs", started)
	}
}
