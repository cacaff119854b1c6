package podstory

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

func TestMissingAccess(t *testing.T) {
	tests := []struct {
		deny []Access
		want []Access
	}{
		{nil, nil},
		{[]Access{{"list", "events", ""}}, []Access{{"list", "events", ""}}},
		{[]Access{{"get", "pods", "log"}, {"get", "pods", ""}}, []Access{{"get", "pods", ""}, {"get", "pods", "log"}}},
		{[]Access{{"create", "pods", "exec"}}, nil}, // not the story's business
	}
	for _, tc := range tests {
		srv := kubetest.NewServer(t)
		for _, d := range tc.deny {
			srv.Deny(d.Verb, d.Resource, d.Subresource)
		}
		c, err := kube.NewForConfig(srv.RESTConfig())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		got, err := MissingAccess(ctx, c, "search")
		cancel()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("deny %v: missing %v (%v), want %v", tc.deny, got, err, tc.want)
		}
	}
}
