//go:build integration

package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/test/integration/clusterbin"
)

// nodeName is the one kwok node every test pod is scheduled on (there is no scheduler).
const nodeName = "kwok-node-0"

// cluster is etcd, kube-apiserver and kwok on 127.0.0.1, and the admin's clients.
type cluster struct {
	dir   string
	procs []*process // in start order; stopped in reverse
	pki   *pki
	// admin is system:masters: the test sets things up with it, the plugin never uses it.
	adminConfig *rest.Config
	admin       kubernetes.Interface
	dynamic     dynamic.Interface
	mapper      meta.ResettableRESTMapper
	adminKube   *kube.Client
	kwokModDir  string
	// startedToExec is from starting etcd to the first exec that worked through the API server.
	startedToExec time.Duration
}

// startCluster starts the three programs and waits until an exec through the API server into a
// kwok pod works. On error everything already started is stopped.
func startCluster(ctx context.Context, bins *clusterbin.Binaries, dir string) (c *cluster, err error) {
	c = &cluster{dir: dir, kwokModDir: bins.KwokModuleDir}
	defer func() {
		if err != nil {
			c.stop()
			c = nil
		}
	}()
	start := time.Now()
	if c.pki, err = newPKI(dir); err != nil {
		return c, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return c, err
	}
	etcdPort, peerPort, apiPort, kwokPort := ports[0], ports[1], ports[2], ports[3]

	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	etcd, err := startProcess("etcd", filepath.Join(dir, "etcd.log"), os.Environ(), bins.Etcd,
		"--name=integration",
		"--data-dir="+filepath.Join(dir, "etcd-data"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=integration="+peerURL,
		"--unsafe-no-fsync", // a throwaway store: no point waiting for the disk
		"--log-level=warn",
	)
	if err != nil {
		return c, err
	}
	c.procs = append(c.procs, etcd)
	if err := etcd.waitUntil(ctx, time.Minute, httpOK(http.DefaultClient, etcdURL+"/health")); err != nil {
		return c, err
	}

	apiURL := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	apiserver, err := startProcess("kube-apiserver", filepath.Join(dir, "kube-apiserver.log"), os.Environ(), bins.KubeAPIServer,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--cert-dir="+filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file="+c.pki.serverCertFile, "--tls-private-key-file="+c.pki.serverKey,
		"--client-ca-file="+c.pki.caFile,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+c.pki.saPubFile,
		"--service-account-signing-key-file="+c.pki.saKeyFile,
		"--service-cluster-ip-range=10.96.0.0/24",
		// kwok's node-initialize stage gives the node InternalIP 127.0.0.1 and kwok's port;
		// its Hostname address (the node's name) resolves nowhere.
		"--kubelet-preferred-address-types=InternalIP",
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=1",
	)
	if err != nil {
		return c, err
	}
	c.procs = append(c.procs, apiserver)

	c.adminConfig = &rest.Config{
		Host:            apiURL,
		TLSClientConfig: rest.TLSClientConfig{CAFile: c.pki.caFile, CertFile: c.pki.adminCertFile, KeyFile: c.pki.adminKeyFile},
		QPS:             200,
		Burst:           400,
		UserAgent:       "stackcapture-integration-admin",
	}
	readyz, err := readyzCheck(c.adminConfig)
	if err != nil {
		return c, err
	}
	if err := apiserver.waitUntil(ctx, 2*time.Minute, readyz); err != nil {
		return c, err
	}
	if c.admin, err = kubernetes.NewForConfig(c.adminConfig); err != nil {
		return c, err
	}
	if c.dynamic, err = dynamic.NewForConfig(c.adminConfig); err != nil {
		return c, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(c.adminConfig)
	if err != nil {
		return c, err
	}
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	if c.adminKube, err = kube.NewForConfig(c.adminConfig); err != nil {
		return c, err
	}

	// kwok reads Exec rules from its CRD (each test writes its own) and its stages from a
	// config file; neither ships installed.
	if err := c.applyFile(ctx, filepath.Join(c.kwokModDir, "kustomize", "crd", "bases", "kwok.x-k8s.io_execs.yaml"), nil); err != nil {
		return c, err
	}
	if err := c.waitCRDEstablished(ctx, "execs.kwok.x-k8s.io"); err != nil {
		return c, err
	}
	kwokDir := filepath.Join(dir, "kwok")
	if err := os.MkdirAll(kwokDir, 0o755); err != nil {
		return c, err
	}
	stages, err := c.kwokStages(filepath.Join(kwokDir, "stages.yaml"))
	if err != nil {
		return c, err
	}
	kubeconfig := filepath.Join(kwokDir, "kubeconfig")
	if err := c.writeAdminKubeconfig(kubeconfig); err != nil {
		return c, err
	}
	kwokAddr := "127.0.0.1:" + strconv.Itoa(kwokPort)
	// HOME points into the run's directory so that a developer's ~/.kwok/kwok.yaml stays out.
	kwok, err := startProcess("kwok", filepath.Join(dir, "kwok.log"), append(os.Environ(), "HOME="+kwokDir), bins.Kwok,
		"--kubeconfig="+kubeconfig,
		"--config="+stages,
		"--manage-all-nodes=true",
		"--node-ip=127.0.0.1", "--node-port="+strconv.Itoa(kwokPort),
		"--server-address="+kwokAddr,
		"--enable-crds=Exec",
	)
	if err != nil {
		return c, err
	}
	c.procs = append(c.procs, kwok)
	if err := kwok.waitUntil(ctx, time.Minute, httpOK(http.DefaultClient, "http://"+kwokAddr+"/healthz")); err != nil {
		return c, err
	}
	if err := c.createNode(ctx, kwok); err != nil {
		return c, err
	}
	if err := c.smokeExec(ctx, kwok); err != nil {
		return c, err
	}
	c.startedToExec = time.Since(start)
	return c, nil
}

func (c *cluster) stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop()
	}
}

// logTails is the end of every program's log, printed when a test failed.
func (c *cluster) logTails() string {
	var b bytes.Buffer
	for _, p := range c.procs {
		fmt.Fprintf(&b, "--- %s (%s) ---\n%s\n", p.name, p.logPath, p.logTail())
	}
	return b.String()
}

func readyzCheck(cfg *rest.Config) (func(context.Context) error, error) {
	tlsCfg, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: 5 * time.Second}
	return httpOK(client, cfg.Host+"/readyz"), nil
}

// writeAdminKubeconfig writes a kubeconfig for kwok with the admin's certificate.
func (c *cluster) writeAdminKubeconfig(path string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["integration"] = &clientcmdapi.Cluster{Server: c.adminConfig.Host, CertificateAuthority: c.pki.caFile}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificate: c.pki.adminCertFile, ClientKey: c.pki.adminKeyFile}
	cfg.Contexts["integration"] = &clientcmdapi.Context{Cluster: "integration", AuthInfo: "admin"}
	cfg.CurrentContext = "integration"
	return clientcmd.WriteToFile(*cfg, path)
}

// kwokStages concatenates kwok's own "fast" stages: a node becomes Ready with kwok's address,
// a pod bound to it becomes Running with running containers, a deleted pod goes away.
func (c *cluster) kwokStages(path string) (string, error) {
	var out bytes.Buffer
	for _, f := range []string{
		"node/fast/node-initialize.yaml",
		"pod/fast/pod-ready.yaml",
		"pod/fast/pod-complete.yaml",
		"pod/fast/pod-delete.yaml",
	} {
		b, err := os.ReadFile(filepath.Join(c.kwokModDir, "kustomize", "stage", f))
		if err != nil {
			return "", fmt.Errorf("kwok stage: %w", err)
		}
		out.WriteString("---\n")
		out.Write(b)
		out.WriteString("\n")
	}
	return path, os.WriteFile(path, out.Bytes(), 0o644)
}

func (c *cluster) waitCRDEstablished(ctx context.Context, name string) error {
	gvr := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	return poll(ctx, time.Minute, func(ctx context.Context) error {
		crd, err := c.dynamic.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				c.mapper.Reset()
				return nil
			}
		}
		return fmt.Errorf("CRD %s not established yet", name)
	})
}

// createNode registers the kwok node and waits until kwok has made it Ready with its address.
func (c *cluster) createNode(ctx context.Context, kwok *process) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        nodeName,
		Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
		Labels:      map[string]string{"type": "kwok", "kubernetes.io/hostname": nodeName},
	}}
	if _, err := c.admin.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create node: %w", err)
	}
	return kwok.waitUntil(ctx, time.Minute, func(ctx context.Context) error {
		n, err := c.admin.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue && n.Status.DaemonEndpoints.KubeletEndpoint.Port != 0 {
				return nil
			}
		}
		return errors.New("node not Ready with a kubelet endpoint yet")
	})
}

// smokeExec proves the whole path (API server → kwok → a command on this machine) once.
func (c *cluster) smokeExec(ctx context.Context, kwok *process) error {
	ns := "integration-smoke"
	if err := c.createNamespace(ctx, ns); err != nil {
		return err
	}
	if err := c.createPod(ctx, ns, "smoke", nil); err != nil {
		return err
	}
	return kwok.waitUntil(ctx, time.Minute, func(ctx context.Context) error {
		return c.execWorks(ctx, ns, "smoke")
	})
}

// poll runs check until it succeeds or timeout passes.
func poll(ctx context.Context, timeout time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not within %s: %w", timeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
