package kube_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

func TestStoryReads(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *kubetest.Server)
		read  func(ctx context.Context, c *kube.Client) error
		check func(t *testing.T, err error)
	}{
		{"events filtered by pod", func(srv *kubetest.Server) {
			srv.AddEvent(corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "p"}, Reason: "Mine"})
			srv.AddEvent(corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "q"}, Reason: "Other"})
			srv.AddEvent(corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Node", Namespace: "ns", Name: "p"}, Reason: "NodeNamedLikeThePod"})
		}, func(ctx context.Context, c *kube.Client) error {
			list, err := c.PodEvents(ctx, "ns", "p", 10)
			if err != nil {
				return err
			}
			if len(list.Items) != 1 || list.Items[0].Reason != "Mine" {
				return errors.New("wrong events")
			}
			return nil
		}, func(t *testing.T, err error) {
			if err != nil {
				t.Error(err)
			}
		}},
		{"events forbidden names the grant", func(srv *kubetest.Server) { srv.Deny("list", "events", "") },
			func(ctx context.Context, c *kube.Client) error { _, err := c.PodEvents(ctx, "ns", "p", 10); return err },
			func(t *testing.T, err error) {
				var fe *kube.ForbiddenError
				if !errors.As(err, &fe) || fe.Verb != "list" || fe.Resource != "events" || !errors.Is(err, kube.ErrForbidden) {
					t.Errorf("err %v", err)
				}
			}},
		{"no previous log", nil,
			func(ctx context.Context, c *kube.Client) error {
				_, err := c.ContainerLog(ctx, "ns", "p", kube.LogOptions{Container: "app", Previous: true})
				return err
			},
			func(t *testing.T, err error) {
				if !errors.Is(err, kube.ErrNoPreviousLog) {
					t.Errorf("err %v, want ErrNoPreviousLog", err)
				}
			}},
		{"previous log tail with timestamps", func(srv *kubetest.Server) {
			at := time.Date(2026, 12, 1, 10, 21, 49, 0, time.UTC)
			srv.SetPreviousLog("ns", "p", "app", []kubetest.TimedLine{{Time: at, Text: "one"}, {Time: at, Text: "two"}, {Time: at.Add(time.Second), Text: "OutOfMemoryError"}})
		}, func(ctx context.Context, c *kube.Client) error {
			rc, err := c.ContainerLog(ctx, "ns", "p", kube.LogOptions{Container: "app", Previous: true, TailLines: 2, Timestamps: true})
			if err != nil {
				return err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				return err
			}
			if want := "2026-12-01T10:21:49Z two\n2026-12-01T10:21:50Z OutOfMemoryError\n"; string(b) != want {
				return errors.New("got " + string(b))
			}
			return nil
		}, func(t *testing.T, err error) {
			if err != nil {
				t.Error(err)
			}
		}},
		{"container gone", nil,
			func(ctx context.Context, c *kube.Client) error {
				_, err := c.ContainerLog(ctx, "ns", "p", kube.LogOptions{Container: "gone"})
				return err
			},
			func(t *testing.T, err error) {
				if !errors.Is(err, kube.ErrContainerNotFound) || !strings.Contains(err.Error(), "gone") {
					t.Errorf("err %v", err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := kubetest.NewServer(t)
			srv.AddPod(kubetest.PodSpec{Namespace: "ns", Name: "p", Containers: []kubetest.ContainerSpec{{Name: "app"}}})
			if tc.setup != nil {
				tc.setup(srv)
			}
			c, err := kube.NewForConfig(srv.RESTConfig())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tc.check(t, tc.read(ctx, c))
		})
	}
}
