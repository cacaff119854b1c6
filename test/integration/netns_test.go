//go:build integration

package integration

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// podNetwork is a network namespace joined to this machine's by a veth pair: a program run in
// it (Wrap) listens on PodIP, an address the API server will proxy to. kube-apiserver refuses
// to proxy to loopback and link-local addresses, so a pod served on 127.0.0.1 cannot be
// reached through pods/proxy; this is how a test gives a kwok pod a real address.
type podNetwork struct {
	Name   string
	HostIP netip.Addr // this machine's end of the veth pair
	PodIP  netip.Addr // the namespace's end: the pod's status.podIP
}

// Wrap is the command prefix that runs a program inside the namespace (ip netns exec execs
// the program, so it stays one process).
func (n podNetwork) Wrap() []string { return []string{"ip", "netns", "exec", n.Name} }

// newPodNetwork creates the namespace and the veth pair on a /30 picked at random in
// 10.200.0.0/16 (two test runs on one machine do not collide), and removes both when the test
// ends. It skips only when it cannot be done at all: not root, or no ip command (the test
// command installs iproute2, see Magefile.go's systemPackages).
func newPodNetwork(t testing.TB) podNetwork {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a pod address for pods/proxy needs a network namespace, which needs root (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("a pod address for pods/proxy needs the ip command (Debian's iproute2; go tool mage test installs it)")
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		n, err := tryPodNetwork(t)
		if err == nil {
			return n
		}
		lastErr = err
	}
	t.Fatalf("create a network namespace for the pod: %v", lastErr)
	return podNetwork{}
}

func tryPodNetwork(t testing.TB) (podNetwork, error) {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return podNetwork{}, err
	}
	id := hex.EncodeToString(b[:3])
	block := binary.BigEndian.Uint32(b[:]) % (1 << 14) // one of the 16384 /30s of 10.200.0.0/16
	base := uint32(10)<<24 | uint32(200)<<16 | block<<2
	addr := func(v uint32) netip.Addr {
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], v)
		return netip.AddrFrom4(a)
	}
	n := podNetwork{Name: "stackcapture-" + id, HostIP: addr(base + 1), PodIP: addr(base + 2)}
	hostIf, podIf := "sch"+id, "scn"+id // interface names: at most 15 bytes

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ipCmd(ctx, "netns", "add", n.Name); err != nil {
		return podNetwork{}, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Deleting the namespace destroys its end, and so the pair, but asynchronously:
		// delete this machine's end first so nothing is left behind when the test ends.
		_ = ipCmd(ctx, "link", "del", hostIf)
		if err := ipCmd(ctx, "netns", "del", n.Name); err != nil {
			t.Errorf("remove the pod's network namespace: %v", err)
		}
	})
	steps := [][]string{
		{"link", "add", hostIf, "type", "veth", "peer", "name", podIf},
		{"link", "set", podIf, "netns", n.Name},
		{"addr", "add", n.HostIP.String() + "/30", "dev", hostIf},
		{"link", "set", hostIf, "up"},
		{"netns", "exec", n.Name, "ip", "addr", "add", n.PodIP.String() + "/30", "dev", podIf},
		{"netns", "exec", n.Name, "ip", "link", "set", podIf, "up"},
		{"netns", "exec", n.Name, "ip", "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(ctx, s...); err != nil {
			_ = ipCmd(ctx, "link", "del", hostIf) // a clash on the address: try another block
			return podNetwork{}, err
		}
	}
	return n, nil
}

func ipCmd(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
