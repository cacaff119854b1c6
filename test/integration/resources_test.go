//go:build integration

package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/kube"
)

// The shipped manifests, relative to this package.
var (
	clusterRBACFile    = filepath.Join("..", "..", "deploy", "kubernetes", "rbac.yaml")
	namespacedRBACFile = filepath.Join("..", "..", "deploy", "kubernetes", "namespaced", "rbac.yaml")
)

// readManifest decodes every object of a multi-document YAML file.
func readManifest(path string) ([]*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// applyFile creates the objects of a manifest, each after edit (nil keeps them as they are;
// edit returns false to leave an object out). Objects that exist already are left alone.
func (c *cluster) applyFile(ctx context.Context, path string, edit func(*unstructured.Unstructured) bool) error {
	objs, err := readManifest(path)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if edit != nil && !edit(o) {
			continue
		}
		if err := c.create(ctx, o); err != nil {
			return fmt.Errorf("apply %s: %w", path, err)
		}
	}
	return nil
}

func (c *cluster) create(ctx context.Context, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		c.mapper.Reset()
		if mapping, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, o.GetName(), err)
		}
	}
	res := c.dynamic.Resource(mapping.Resource)
	var createErr error
	if mapping.Scope.Name() == "namespace" {
		_, createErr = res.Namespace(o.GetNamespace()).Create(ctx, o, metav1.CreateOptions{})
	} else {
		_, createErr = res.Create(ctx, o, metav1.CreateOptions{})
	}
	if createErr != nil && !apierrors.IsAlreadyExists(createErr) {
		return fmt.Errorf("create %s %s/%s: %w", gvk.Kind, o.GetNamespace(), o.GetName(), createErr)
	}
	return nil
}

// createNamespace creates a namespace and its default ServiceAccount, which the pod admission
// needs and which no controller-manager creates here.
func (c *cluster) createNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.admin.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
	if _, err := c.admin.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create default service account in %s: %w", name, err)
	}
	return nil
}

// podContainer is the name of the one container of every test pod.
const podContainer = "app"

var execGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "execs"}

// createPod creates a kwok Exec rule and a pod on the kwok node. Exec into the pod's container
// then runs the command on this machine with env (NAME=value) added: that is how a test puts
// a JVM "in" the container (STACKCAPTURE_PIDS) and chooses the tools on its PATH.
func (c *cluster) createPod(ctx context.Context, namespace, name string, env []string) error {
	var envs []any
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		envs = append(envs, map[string]any{"name": k, "value": v})
	}
	local := map[string]any{"workDir": "/"}
	if len(envs) > 0 {
		local["envs"] = envs
	}
	rule := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Exec",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec": map[string]any{"execs": []any{map[string]any{
			"containers": []any{podContainer},
			"local":      local,
		}}},
	}}
	if _, err := c.dynamic.Resource(execGVR).Namespace(namespace).Create(ctx, rule, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create kwok exec rule %s/%s: %w", namespace, name, err)
	}
	automount := false
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app": "jvm"}},
		Spec: corev1.PodSpec{
			NodeName:                     nodeName,
			AutomountServiceAccountToken: &automount,
			Containers:                   []corev1.Container{{Name: podContainer, Image: "eclipse-temurin:17-jre"}},
		},
	}
	if _, err := c.admin.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create pod %s/%s: %w", namespace, name, err)
	}
	return nil
}

// execWorks runs `echo ok` in the pod's container as the admin: kwok has the pod Running and
// has seen its Exec rule.
func (c *cluster) execWorks(ctx context.Context, namespace, pod string) error {
	var out, errOut bytes.Buffer
	err := c.adminKube.Exec(ctx, kube.ExecRequest{Namespace: namespace, Pod: pod, Container: podContainer,
		Command: []string{"sh", "-c", "echo ok"}, Stdout: &out, Stderr: &errOut})
	if err != nil {
		return fmt.Errorf("%w (stderr %q)", err, errOut.String())
	}
	if out.String() != "ok\n" {
		return fmt.Errorf("exec printed %q, want ok", out.String())
	}
	return nil
}

// waitExecReady waits until the pod is Running and exec into it works.
func (c *cluster) waitExecReady(ctx context.Context, namespace, pod string) error {
	return poll(ctx, time.Minute, func(ctx context.Context) error {
		p, err := c.admin.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("pod %s/%s is %s", namespace, pod, p.Status.Phase)
		}
		return c.execWorks(ctx, namespace, pod)
	})
}

// serviceAccountConfig returns a client config that authenticates as the service account with a
// token the API server signs (TokenRequest), the way a pod's projected token does.
func (c *cluster) serviceAccountConfig(ctx context.Context, namespace, name string) (*rest.Config, error) {
	expiry := int64(3600)
	tr, err := c.admin.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token for service account %s/%s: %w", namespace, name, err)
	}
	return &rest.Config{
		Host:            c.adminConfig.Host,
		TLSClientConfig: rest.TLSClientConfig{CAFile: c.pki.caFile},
		BearerToken:     tr.Status.Token,
		UserAgent:       "seed-stackcapture-app",
	}, nil
}
