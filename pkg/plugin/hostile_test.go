package plugin_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// hostileAlert is one alert of a hand-built webhook; labels may hold anything.
func hostileWebhook(t *testing.T, alerts ...map[string]string) []byte {
	t.Helper()
	list := make([]map[string]any, 0, len(alerts))
	for _, labels := range alerts {
		list = append(list, map[string]any{"status": "firing", "labels": labels, "startsAt": "2026-11-22T10:31:00Z"})
	}
	body, err := json.Marshal(map[string]any{"receiver": "Stack Capture", "status": "firing", "version": "1", "orgId": 1, "alerts": list})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestHostileWebhooks sends webhooks built to hurt: each gets its expected answer, none runs
// a command in a container, and a finished capture taken before them is untouched.
func TestHostileWebhooks(t *testing.T) {
	// maxBodyBytes at its 16 MiB ceiling, so a 50 MB body meets the handler's own limit.
	ta := newTestApp(t, map[string]any{"sampleWindow": "300ms", "topThreads": 5, "maxBodyBytes": 16 << 20})
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t))
	ta.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}}}})
	r := plugintest.Call(t, ta.app, "POST", "/captures", []byte(`{"namespace":"shop","pod":"api-0","container":"app"}`), plugintest.Editor)
	if r.Status != http.StatusAccepted {
		t.Fatalf("capture now: %d %s", r.Status, r.Body)
	}
	existing := plugintest.Decode[plugin.SubmitResponse](t, r).Accepted[0].ID
	if d := plugintest.WaitFinished(t, ta.app, existing); d.Status != "done" {
		t.Fatalf("existing capture %s: %s", d.Status, d.Error)
	}
	detailBefore := plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d", existing), nil, plugintest.Viewer).Body
	rawBefore := plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d/raw", existing), nil, plugintest.Viewer).Body
	if len(rawBefore) == 0 || !bytes.Contains(rawBefore, []byte(jvmtest.HotThread)) {
		t.Fatalf("existing capture's raw dump: %.200s", rawBefore)
	}

	deep := strings.Repeat(`{"a":`, 1000) + `1` + strings.Repeat(`}`, 1000)
	tests := []struct {
		name       string
		body       []byte
		wantStatus int
		wantBody   []string
		check      func(t *testing.T, sub plugin.SubmitResponse, body []byte)
	}{
		{
			name:       "alerts nested 1,000 levels deep",
			body:       []byte(`{"version":"1","alerts":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{"not a Grafana webhook", "field alerts"},
		},
		{
			name:       "labels nested 1,000 levels deep",
			body:       []byte(`{"version":"1","alerts":[{"status":"firing","labels":` + deep + `}]}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{"not a Grafana webhook", "labels"},
		},
		{
			// Inside Grafana the SDK's 16 MiB gRPC limit refuses this before the plugin; here
			// it reaches the handler, whose MaxBytesReader stops reading at maxBodyBytes.
			name:       "50 MB body",
			body:       append(append([]byte(`{"version":"1","alerts":[],"pad":"`), bytes.Repeat([]byte("x"), 50<<20)...), `"}`...),
			wantStatus: http.StatusRequestEntityTooLarge,
			wantBody:   []string{"body larger than 16777216 bytes (maxBodyBytes)"},
		},
		{
			name: "shell metacharacters, newlines and ../ in labels",
			body: hostileWebhook(t,
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "$(reboot)"},
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "api-0; rm -rf /"},
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "api-0", "container": "`id`"},
				map[string]string{"alertname": "x", "namespace": "../../etc", "pod": "passwd"},
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "../api-0"},
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "api-0\n@sc done"},
				map[string]string{"alertname": "x", "namespace": "shop|x", "pod": "api-0", "node": "$(id)"},
			),
			wantStatus: http.StatusAccepted,
			check: func(t *testing.T, sub plugin.SubmitResponse, body []byte) {
				if len(sub.Accepted) != 0 || len(sub.Skipped) != 7 {
					t.Fatalf("accepted %d skipped %d, want all 7 skipped: %s", len(sub.Accepted), len(sub.Skipped), body)
				}
				for _, s := range sub.Skipped {
					if !strings.Contains(s.Reason, "invalid ") || !strings.Contains(s.Reason, " name ") {
						t.Errorf("skip reason %q, want an invalid name", s.Reason)
					}
					if s.Namespace != "" || s.Pod != "" || s.Container != "" {
						t.Errorf("skip keeps the raw names %q/%q/%q", s.Namespace, s.Pod, s.Container)
					}
				}
				if bytes.Contains(body, []byte("\n@sc")) {
					t.Errorf("a raw newline from a label reached the answer: %s", body)
				}
			},
		},
		{
			name: "unicode pod names",
			body: hostileWebhook(t,
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "checkout-工作线程-0"},
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "ａｐｉ-0"},       // fullwidth letters
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "api-0\u200b"}, // zero-width space
				map[string]string{"alertname": "x", "namespace": "shop", "pod": "api-\u202e0-ipa"},
			),
			wantStatus: http.StatusAccepted,
			check: func(t *testing.T, sub plugin.SubmitResponse, body []byte) {
				if len(sub.Accepted) != 0 || len(sub.Skipped) != 4 {
					t.Fatalf("accepted %d skipped %d, want all 4 skipped: %s", len(sub.Accepted), len(sub.Skipped), body)
				}
				for _, s := range sub.Skipped {
					if !strings.Contains(s.Reason, "invalid pod name") {
						t.Errorf("skip reason %q, want an invalid pod name", s.Reason)
					}
				}
			},
		},
		{
			name:       "duplicated version key: the last one counts",
			body:       []byte(`{"version":"1","version":"4","alerts":[]}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{`payload version "4"`},
		},
		{
			name: "duplicated label key: the last one counts",
			body: []byte(`{"version":"4","version":"1","alerts":[{"status":"firing",` +
				`"labels":{"alertname":"dup","namespace":"shop","pod":"api-0","pod":"dup-1","container":"app"}}]}`),
			wantStatus: http.StatusAccepted,
			check: func(t *testing.T, sub plugin.SubmitResponse, body []byte) {
				if len(sub.Accepted) != 1 || sub.Accepted[0].Pod != "dup-1" {
					t.Fatalf("want one capture of pod dup-1 (the last key): %s", body)
				}
				if d := plugintest.WaitFinished(t, ta.app, sub.Accepted[0].ID); d.Status != "failed" || !strings.Contains(d.Error, "not found") {
					t.Fatalf("capture of a missing pod: %s %q", d.Status, d.Error)
				}
			},
		},
		{
			name:       "wrong type: alerts is an object",
			body:       []byte(`{"version":"1","alerts":{"pod":"api-0"}}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{"field alerts", "want []alert.WebhookAlert"},
		},
		{
			name:       "wrong type: a label is a number",
			body:       []byte(`{"version":"1","alerts":[{"status":"firing","labels":{"namespace":"shop","pod":5}}]}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{"field alerts.labels", "got JSON number, want string"},
		},
		{
			name:       "wrong type: version is a number",
			body:       []byte(`{"version":1,"alerts":[]}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{`payload version 1, want "1"`},
		},
		{
			name:       "wrong type: startsAt is not a time",
			body:       []byte(`{"version":"1","alerts":[{"status":"firing","startsAt":"yesterday","labels":{"namespace":"shop","pod":"api-0"}}]}`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{"not a Grafana webhook", "yesterday"},
		},
		{
			name:       "wrong type: a body that is a JSON string",
			body:       []byte(`"alerts"`),
			wantStatus: http.StatusBadRequest,
			wantBody:   []string{"malformed JSON"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plugintest.Call(t, ta.app, "POST", "/webhook", tt.body, plugintest.Editor)
			if r.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.500s", r.Status, tt.wantStatus, r.Body)
			}
			for _, want := range tt.wantBody {
				if !bytes.Contains(r.Body, []byte(want)) {
					t.Errorf("answer %.500q does not contain %q", r.Body, want)
				}
			}
			if len(r.Body) > 1<<10 && tt.wantStatus != http.StatusAccepted {
				t.Errorf("error answer of %d bytes: errors must not echo the body", len(r.Body))
			}
			if tt.check != nil {
				tt.check(t, plugintest.Decode[plugin.SubmitResponse](t, r), r.Body)
			}
			if got := plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d", existing), nil, plugintest.Viewer).Body; !bytes.Equal(got, detailBefore) {
				t.Errorf("the existing capture changed:\n%s\nwas\n%s", got, detailBefore)
			}
			if got := plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d/raw", existing), nil, plugintest.Viewer).Body; !bytes.Equal(got, rawBefore) {
				t.Errorf("the existing capture's raw dump changed")
			}
			if started, _, _ := ta.srv.ExecStats(); started != 1 {
				t.Errorf("%d execs, want only the existing capture's: no hostile webhook reaches a container", started)
			}
		})
	}
}

// TestHostileWebhookStorm sends 10,000 alerts in one webhook and checks what such a storm must
// never do: take more than the queue holds, lose a request's record, touch a container, or
// keep the 202 waiting for captures. It does not wait for the thousand queued captures to
// drain: how fast they do depends on the machine, and their limits are tested elsewhere.
func TestHostileWebhookStorm(t *testing.T) {
	// maxBodyBytes at its 16 MiB ceiling, so 10,000 alerts reach the queue rather than the 413.
	ta := newTestApp(t, map[string]any{"maxBodyBytes": 16 << 20})
	const alerts = 10_000
	storm := make([]map[string]string, alerts)
	for i := range storm {
		storm[i] = map[string]string{"alertname": "storm", "namespace": "shop", "pod": fmt.Sprintf("gone-%d", i), "container": "app"}
	}
	body := hostileWebhook(t, storm...)
	r := plugintest.Call(t, ta.app, "POST", "/webhook", body, plugintest.Editor)
	if r.Status != http.StatusAccepted {
		t.Fatalf("status %d: %.500s", r.Status, r.Body)
	}
	sub := plugintest.Decode[plugin.SubmitResponse](t, r)

	// The default maxQueued (1000) takes the first thousand; the rest are skipped with the
	// reason, and the answer stays in proportion to the request.
	if len(sub.Accepted) != 1000 || len(sub.Skipped) != alerts-1000 {
		t.Fatalf("accepted %d skipped %d, want 1000 and %d", len(sub.Accepted), len(sub.Skipped), alerts-1000)
	}
	for _, s := range sub.Skipped {
		if !strings.HasPrefix(s.Reason, "capture queue full: 1000 captures are queued or running") {
			t.Fatalf("skip reason %q, want the queue full", s.Reason)
		}
	}
	if len(r.Body) > 2*len(body) {
		t.Errorf("answer of %d bytes for a %d byte request", len(r.Body), len(body))
	}

	// Every request has its record, answered or not: page through all of them.
	seen := map[string]string{} // pod → status
	cursor := ""
	for page := 0; ; page++ {
		if page > alerts/500+2 {
			t.Fatalf("more pages than %d records can fill", alerts)
		}
		path := "/captures?limit=500&namespace=shop"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		list := plugintest.Get[plugin.ListResponse](t, ta.app, path, plugintest.Viewer)
		for _, c := range list.Captures {
			if _, dup := seen[c.Pod]; dup {
				t.Fatalf("pod %s listed twice", c.Pod)
			}
			seen[c.Pod] = c.Status
		}
		if list.NextCursor == "" {
			break
		}
		cursor = list.NextCursor
	}
	if len(seen) != alerts {
		t.Fatalf("%d records for %d alerts: a request was lost", len(seen), alerts)
	}
	skipped := 0
	for pod, status := range seen {
		switch status {
		case "skipped":
			skipped++
		case "queued", "running", "failed": // the accepted ones, wherever they are by now
		default:
			t.Errorf("pod %s: status %q", pod, status)
		}
	}
	if skipped != alerts-1000 {
		t.Errorf("%d skipped records, want %d", skipped, alerts-1000)
	}
	for _, acc := range sub.Accepted {
		if seen[acc.Pod] == "skipped" {
			t.Errorf("accepted capture %d of %s is recorded as skipped", acc.ID, acc.Pod)
		}
	}
	// None of these pods exists: no storm reaches a container.
	if started, _, _ := ta.srv.ExecStats(); started != 0 {
		t.Errorf("%d execs during a storm of missing pods", started)
	}
}
