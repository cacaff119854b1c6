package pprof_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/pprof"
)

func TestDiscover(t *testing.T) {
	ports := []kube.ContainerPort{
		{Container: "api", Name: "http", Port: 8080, Protocol: "TCP"},
		{Container: "api", Name: "debug", Port: 6061, Protocol: "TCP"},
		{Container: "sidecar", Name: "pprof", Port: 7070, Protocol: "TCP"},
	}
	tests := []struct {
		name        string
		annotations map[string]string
		ports       []kube.ContainerPort
		container   string
		want        pprof.Endpoint // Container and Source checked by fragments
		source      string
		err         error
		says        string
	}{
		{name: "pod annotation, full URL", annotations: map[string]string{pprof.Annotation: "http://:6060/debug/pprof"},
			want: pprof.Endpoint{Scheme: "http", Port: 6060, Path: "/debug/pprof"}, source: "annotation " + pprof.Annotation},
		{name: "https and a custom path, trailing slash dropped", annotations: map[string]string{pprof.Annotation: "https://:8443/internal/pprof/"},
			want: pprof.Endpoint{Scheme: "https", Port: 8443, Path: "/internal/pprof"}},
		{name: "bare port", annotations: map[string]string{pprof.Annotation: " 6060 "},
			want: pprof.Endpoint{Scheme: "http", Port: 6060, Path: "/debug/pprof"}},
		{name: "colon port and path", annotations: map[string]string{pprof.Annotation: ":6060/x"},
			want: pprof.Endpoint{Scheme: "http", Port: 6060, Path: "/x"}},
		{name: "named port of the container", annotations: map[string]string{pprof.Annotation: "debug"}, ports: ports,
			want: pprof.Endpoint{Scheme: "http", Port: 6061, Path: "/debug/pprof"}},
		{name: "named port in a URL", annotations: map[string]string{pprof.Annotation: "https://:debug/p"}, ports: ports,
			want: pprof.Endpoint{Scheme: "https", Port: 6061, Path: "/p"}},
		{name: "container annotation wins over the pod's", annotations: map[string]string{pprof.Annotation: "6060", pprof.ContainerAnnotation("api"): "7000"},
			want: pprof.Endpoint{Scheme: "http", Port: 7000, Path: "/debug/pprof"}, source: "annotation " + pprof.ContainerAnnotation("api")},
		{name: "another container's annotation is ignored", annotations: map[string]string{pprof.ContainerAnnotation("sidecar"): "7000"},
			err: pprof.ErrNoEndpoint},
		{name: "annotation wins over a named port", annotations: map[string]string{pprof.Annotation: "6060"},
			ports: []kube.ContainerPort{{Container: "api", Name: "pprof", Port: 9999, Protocol: "TCP"}},
			want:  pprof.Endpoint{Scheme: "http", Port: 6060, Path: "/debug/pprof"}},
		{name: "port named pprof", ports: []kube.ContainerPort{{Container: "api", Name: "pprof", Port: 9999, Protocol: "TCP"}},
			want: pprof.Endpoint{Scheme: "http", Port: 9999, Path: "/debug/pprof"}, source: `container port "pprof" of container "api"`},
		{name: "port named https-pprof", ports: []kube.ContainerPort{{Container: "api", Name: "https-pprof", Port: 9443, Protocol: "TCP"}},
			want: pprof.Endpoint{Scheme: "https", Port: 9443, Path: "/debug/pprof"}},
		{name: "a UDP port named pprof does not count", ports: []kube.ContainerPort{{Container: "api", Name: "pprof", Port: 9999, Protocol: "UDP"}},
			err: pprof.ErrNoEndpoint},
		{name: "another container's pprof port does not count", ports: ports, err: pprof.ErrNoEndpoint, says: `name the container's pprof port "pprof"`},
		{name: "nothing declared says how", err: pprof.ErrNoEndpoint, says: pprof.Annotation + `: "http://:6060/debug/pprof"`},
		{name: "turned off", annotations: map[string]string{pprof.Annotation: "false"}, ports: []kube.ContainerPort{{Container: "api", Name: "pprof", Port: 1, Protocol: "TCP"}},
			err: pprof.ErrDisabled},
		{name: "another host", annotations: map[string]string{pprof.Annotation: "http://evil.example:6060/debug/pprof"}, err: pprof.ErrBadEndpoint, says: "leave the host empty"},
		{name: "bad scheme", annotations: map[string]string{pprof.Annotation: "ftp://:6060"}, err: pprof.ErrBadEndpoint, says: "want http or https"},
		{name: "port out of range", annotations: map[string]string{pprof.Annotation: "70000"}, err: pprof.ErrBadEndpoint, says: "out of range"},
		{name: "unknown port name lists the names", annotations: map[string]string{pprof.Annotation: "nope"}, ports: ports, err: pprof.ErrBadEndpoint, says: "http, debug"},
		{name: "URL without a port", annotations: map[string]string{pprof.Annotation: "http:///debug/pprof"}, err: pprof.ErrBadEndpoint, says: "no port"},
		{name: "query in the path", annotations: map[string]string{pprof.Annotation: ":6060/debug/pprof?x=1"}, err: pprof.ErrBadEndpoint, says: "plain path"},
		{name: "empty value", annotations: map[string]string{pprof.Annotation: ""}, err: pprof.ErrBadEndpoint},
		{name: "huge value is refused, not echoed", annotations: map[string]string{pprof.Annotation: "http://:6060/" + strings.Repeat("a", 100_000)}, err: pprof.ErrBadEndpoint, says: "at most 256"},
		{name: "unknown container", container: "nope", annotations: map[string]string{pprof.Annotation: "6060"}, err: kube.ErrContainerNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &kube.PodInfo{
				Namespace: "shop", Name: "api-0",
				Containers: []kube.ContainerInfo{{Name: "api"}, {Name: "sidecar"}},
				// two containers: the default must come from the annotation
				DefaultContainer: "api",
				PodNetwork:       kube.PodNetwork{IP: "10.0.0.7", Annotations: tc.annotations, Ports: tc.ports},
			}
			got, err := pprof.Discover(pod, tc.container)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.says) || len(err.Error()) > 1000 {
					t.Fatalf("err = %v, want %v saying %q", err, tc.err, tc.says)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Scheme != tc.want.Scheme || got.Port != tc.want.Port || got.Path != tc.want.Path || got.Container != "api" {
				t.Errorf("endpoint = %+v, want %+v in container api", got, tc.want)
			}
			if got.Source == "" || (tc.source != "" && got.Source != tc.source) {
				t.Errorf("source = %q, want %q", got.Source, tc.source)
			}
		})
	}
}
