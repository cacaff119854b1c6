package pprof

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seed/stackcapture/pkg/kube"
)

// How a pod declares where its pprof endpoint is. In order of precedence:
//
//  1. The annotation stackcapture.seed.io/pprof.<container> on the pod:
//     this container only (annotations live on the pod, so the container
//     name is part of the key).
//  2. The annotation stackcapture.seed.io/pprof: every container of the pod.
//  3. A TCP container port named "pprof" or "http-pprof" (http) or
//     "https-pprof" (https) on the container.
//
// An annotation's value is a URL without a host, "scheme://:port/path", e.g.
// "http://:6060/debug/pprof" or "https://:8443/internal/pprof". Shorter
// forms: "6060" or ":6060" (http, default path), ":6060/custom/pprof", or a
// port name of the container ("metrics" → that port's number). "false"
// turns pprof capture off for the pod or container.
//
// The one default: scheme http and path /debug/pprof, where net/http/pprof
// registers itself. There is no default port: guessing one could send
// profile requests to an unrelated server, so a Go pod that declares
// nothing gets ErrNoEndpoint, whose message says how to declare one.
const (
	// Annotation is the pod annotation for every container.
	Annotation = "stackcapture.seed.io/pprof"
	// DefaultPath is where net/http/pprof serves.
	DefaultPath = "/debug/pprof"
)

// portNames are the container port names that declare pprof, with the
// scheme each implies.
var portNames = []struct{ name, scheme string }{
	{"pprof", "http"}, {"http-pprof", "http"}, {"https-pprof", "https"},
}

var (
	// ErrNoEndpoint means the pod declares no pprof endpoint.
	ErrNoEndpoint = errors.New("no pprof endpoint declared")
	// ErrBadEndpoint means the declaration cannot be used as written.
	ErrBadEndpoint = errors.New("invalid pprof endpoint declaration")
	// ErrDisabled means the pod's annotation turns pprof capture off.
	ErrDisabled = errors.New("pprof capture turned off by annotation")
)

// Endpoint is where a container serves pprof, reached through the API
// server's pod proxy.
type Endpoint struct {
	Container string `json:"container"`
	Scheme    string `json:"scheme"` // "http" or "https"
	Port      int32  `json:"port"`
	Path      string `json:"path"` // base path, e.g. "/debug/pprof"
	// Source says which declaration was used, e.g.
	// `annotation stackcapture.seed.io/pprof` or
	// `container port "pprof" of container "api"`.
	Source string `json:"source"`
}

// maxDeclaration bounds an annotation value: a URL without a host is
// short, and the value is quoted back in error messages.
const maxDeclaration = 256

// ContainerAnnotation is the per-container annotation key.
func ContainerAnnotation(container string) string { return Annotation + "." + container }

// Discover finds where container of pod serves pprof. An empty container
// means the pod's default container (see kube.PodInfo.Container). It is a
// pure function of the pod object.
func Discover(pod *kube.PodInfo, container string) (Endpoint, error) {
	c, err := pod.Container(container)
	if err != nil {
		return Endpoint{}, fmt.Errorf("pprof endpoint: %w", err)
	}
	ports := make([]kube.ContainerPort, 0, len(pod.Ports))
	for _, p := range pod.Ports {
		if p.Container == c.Name {
			ports = append(ports, p)
		}
	}
	for _, key := range []string{ContainerAnnotation(c.Name), Annotation} {
		v, ok := pod.Annotations[key]
		if !ok {
			continue
		}
		if len(v) > maxDeclaration {
			return Endpoint{}, fmt.Errorf("container %q of pod %s/%s: annotation %s: %w: %d bytes, at most %d", c.Name, pod.Namespace, pod.Name, key, ErrBadEndpoint, len(v), maxDeclaration)
		}
		ep, err := parseDeclaration(strings.TrimSpace(v), ports)
		if err != nil {
			if errors.Is(err, ErrDisabled) {
				return Endpoint{}, fmt.Errorf("container %q of pod %s/%s: %w (annotation %s: %q)", c.Name, pod.Namespace, pod.Name, ErrDisabled, key, v)
			}
			return Endpoint{}, fmt.Errorf("container %q of pod %s/%s: annotation %s: %w", c.Name, pod.Namespace, pod.Name, key, err)
		}
		ep.Container, ep.Source = c.Name, "annotation "+key
		return ep, nil
	}
	for _, pn := range portNames {
		for _, p := range ports {
			if p.Name == pn.name && (p.Protocol == "" || p.Protocol == "TCP") {
				return Endpoint{
					Container: c.Name, Scheme: pn.scheme, Port: p.Port, Path: DefaultPath,
					Source: fmt.Sprintf("container port %q of container %q", p.Name, c.Name),
				}, nil
			}
		}
	}
	return Endpoint{}, fmt.Errorf("container %q of pod %s/%s: %w: annotate the pod with %s: \"http://:6060%s\" (your port and path), or name the container's pprof port \"pprof\"",
		c.Name, pod.Namespace, pod.Name, ErrNoEndpoint, Annotation, DefaultPath)
}

// parseDeclaration reads an annotation value; ports are the container's, for
// named ports.
func parseDeclaration(v string, ports []kube.ContainerPort) (Endpoint, error) {
	switch strings.ToLower(v) {
	case "false", "off", "disabled", "no":
		return Endpoint{}, ErrDisabled
	case "":
		return Endpoint{}, fmt.Errorf("%w: empty value", ErrBadEndpoint)
	}
	ep := Endpoint{Scheme: "http", Path: DefaultPath}
	rest := v
	if i := strings.Index(rest, "://"); i >= 0 {
		ep.Scheme = strings.ToLower(rest[:i])
		rest = rest[i+3:]
		if ep.Scheme != "http" && ep.Scheme != "https" {
			return Endpoint{}, fmt.Errorf("%w: scheme %q in %q: want http or https", ErrBadEndpoint, ep.Scheme, v)
		}
	}
	hostPort, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostPort, path = rest[:i], rest[i:]
	}
	if path != "" {
		if strings.ContainsAny(path, "?#") || strings.Contains(path, "..") {
			return Endpoint{}, fmt.Errorf("%w: path %q in %q: want a plain path like %s", ErrBadEndpoint, path, v, DefaultPath)
		}
		ep.Path = strings.TrimRight(path, "/")
		if ep.Path == "" {
			ep.Path = "/"
		}
	}
	port := hostPort
	if i := strings.LastIndexByte(hostPort, ':'); i >= 0 {
		if host := hostPort[:i]; host != "" && host != "localhost" && host != "127.0.0.1" {
			return Endpoint{}, fmt.Errorf("%w: host %q in %q: the endpoint is always the pod's own address, leave the host empty (\"http://:6060%s\")", ErrBadEndpoint, host, v, DefaultPath)
		}
		port = hostPort[i+1:]
	} else if strings.Contains(v, "://") {
		return Endpoint{}, fmt.Errorf("%w: no port in %q (want e.g. \"http://:6060%s\")", ErrBadEndpoint, v, DefaultPath)
	}
	if port == "" {
		return Endpoint{}, fmt.Errorf("%w: no port in %q (want e.g. \"http://:6060%s\")", ErrBadEndpoint, v, DefaultPath)
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 1 || n > 65535 {
			return Endpoint{}, fmt.Errorf("%w: port %d in %q out of range 1-65535", ErrBadEndpoint, n, v)
		}
		ep.Port = int32(n)
		return ep, nil
	}
	names := make([]string, 0, len(ports))
	for _, p := range ports {
		if p.Name == port {
			ep.Port = p.Port
			return ep, nil
		}
		if p.Name != "" {
			names = append(names, p.Name)
		}
	}
	return Endpoint{}, fmt.Errorf("%w: port %q in %q is neither a number nor a port name of the container (named ports: %s)", ErrBadEndpoint, port, v, strings.Join(names, ", "))
}
