package kube

import (
	corev1 "k8s.io/api/core/v1"
)

// PodNetwork is what a pod declares about how to reach it: its address,
// annotations and the ports its containers name. Endpoint discovery (for
// example pkg/pprof.Discover) reads it; it is a pure copy of the pod object.
type PodNetwork struct {
	IP          string            // status.podIP; empty before the pod has one
	Annotations map[string]string // metadata.annotations
	Ports       []ContainerPort   // spec.containers[].ports, in spec order
}

// ContainerPort is one declared port of one container.
type ContainerPort struct {
	Container string
	Name      string // the port's name, e.g. "pprof"; may be empty
	Port      int32
	Protocol  string // "TCP", "UDP" or "SCTP"
}

func podNetworkFrom(pod *corev1.Pod) PodNetwork {
	n := PodNetwork{IP: pod.Status.PodIP}
	if len(pod.Annotations) > 0 {
		n.Annotations = make(map[string]string, len(pod.Annotations))
		for k, v := range pod.Annotations {
			n.Annotations[k] = v
		}
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			proto := string(p.Protocol)
			if proto == "" {
				proto = string(corev1.ProtocolTCP)
			}
			n.Ports = append(n.Ports, ContainerPort{Container: c.Name, Name: p.Name, Port: p.ContainerPort, Protocol: proto})
		}
	}
	return n
}
