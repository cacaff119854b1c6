package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/kube"
)

// stderrCap bounds what is kept of the probe's stderr: enough for an error message.
const stderrCap = 64 << 10

// logPollInterval is how often the container log is read again while a SIGQUIT dump is being written.
const logPollInterval = 250 * time.Millisecond

type outcome struct {
	processes []jvm.Process
	pieces    []evidence.Piece
	truncated bool
	windowMs  int64
	err       string // non-empty: the capture failed for this reason
}

// capture resolves the target, waits for a slot on its node and for its share of the output
// budget, probes its container(s) and stores the outcome. The slot and the budget are held
// until the outcome is stored: parsing and compressing a large output take as much memory
// as receiving it, so a capture counts against the limits until then. The outcome returned
// is one capture still has to record (stored false).
func (m *Manager) capture(id int64, t alert.Target, reserved time.Time) (out outcome, stored bool) {
	out = m.resolveAndProbe(id, t, func(o outcome) {
		m.record(id, t, reserved, o)
		stored = true
	})
	return out, stored
}

// resolveAndProbe does the work of capture; record is called with the outcome while the slot
// and the budget are still held, once they were had.
func (m *Manager) resolveAndProbe(id int64, t alert.Target, record func(outcome)) outcome {
	// Resolving the pod and waiting for a slot share one bound: by then the spike is over.
	waitCtx, cancelWait := context.WithTimeout(m.base, m.cfg.CaptureTimeout)
	defer cancelWait()
	// Pod lookups are bounded like running captures: a webhook of a thousand alerts would
	// otherwise send a thousand requests to the API server at once (holding a thousand
	// connections' buffers here) only for most of them to wait for a slot afterwards.
	select {
	case m.lookups <- struct{}{}:
	case <-waitCtx.Done():
		return outcome{err: fmt.Sprintf("not started within captureTimeout (%s): %v", m.cfg.CaptureTimeout, waitCtx.Err())}
	}
	var (
		pod        *kube.PodInfo // nil for a node target
		node       = t.Node
		containers []string
	)
	if isNodeTarget(t) {
		<-m.lookups // nothing to look up: the node's kubelet is reached by its name
	} else {
		lookupStarted := time.Now()
		p, err := m.kube.Pod(waitCtx, t.Namespace, t.Pod)
		m.cfg.Observer.Phase(PhaseLookup, time.Since(lookupStarted))
		<-m.lookups
		if err != nil {
			return outcome{err: m.describe(err, t)}
		}
		pod, node = p, p.Node
		if node == "" {
			return outcome{err: fmt.Sprintf("pod %s/%s is not scheduled on a node yet (phase %s)", t.Namespace, t.Pod, orNone(pod.Phase))}
		}
		if containers, err = pickContainers(pod, t.Container); err != nil {
			return outcome{err: err.Error()}
		}
	}
	target := m.evidenceTarget(t, pod, node, containers)
	plans, planFailures := m.plan(target)
	waitStarted := time.Now()
	release, err := m.limiter.acquire(waitCtx, node)
	m.cfg.Observer.SlotWait(time.Since(waitStarted))
	if err != nil {
		return outcome{err: fmt.Sprintf("not started within captureTimeout (%s): %v", m.cfg.CaptureTimeout, err)}
	}
	defer release()
	held, err := m.budget.reserve(waitCtx, m.reservation(m.heldOutputs(target, containers, plans)))
	if err != nil {
		return outcome{err: m.budgetReason(err)}
	}
	defer held.release()

	storeCtx, cancelStore := m.storeContext()
	err = m.store.MarkRunning(storeCtx, id, m.now().UTC(), t.Container, node)
	if err == nil && pod != nil { // a node target has no pod, so no workload
		m.recordWorkload(storeCtx, id, pod.Workload)
	}
	cancelStore()
	if err != nil {
		return outcome{err: fmt.Sprintf("record the capture as running: %v", err)}
	}

	ctx, cancel := context.WithTimeout(m.base, m.cfg.CaptureTimeout)
	defer cancel()
	out := m.collect(ctx, id, t, target, containers, plans, held)
	out.pieces = append(planFailures, out.pieces...)
	out = judge(out, target, len(plans) > 0 || len(planFailures) > 0)
	record(out)
	return out
}

// reservation is what a capture that may hold held bytes at once (heldOutputs) reserves of the
// budget: the raw dumps of every container and the raw evidence of every piece are held until
// the capture is stored. A capture holding more takes at most the whole budget (it then runs
// alone), rather than failing.
func (m *Manager) reservation(held int64) int64 {
	n := max(held, m.cfg.MaxOutputBytes)
	if limit := m.budget.Limit(); n > limit {
		n = max(limit, m.cfg.MaxOutputBytes)
	}
	return n
}

// budgetReason says why a capture got no share of the output budget, naming the settings.
func (m *Manager) budgetReason(err error) string {
	if errors.Is(err, ErrBudgetTooSmall) {
		return fmt.Sprintf("maxOutputBytes (%d) is larger than the capture output budget (%s, %d bytes): raise the budget or lower maxOutputBytes: %v",
			m.cfg.MaxOutputBytes, BudgetSetting, m.budget.Limit(), err)
	}
	return fmt.Sprintf("not started within captureTimeout (%s): the capture output budget (%s, %d bytes) is taken by captures in flight, each reserving maxOutputBytes (%d) per container: %v",
		m.cfg.CaptureTimeout, BudgetSetting, m.budget.Limit(), m.cfg.MaxOutputBytes, err)
}

// probeContainers probes each container in turn and joins what they found.
func (m *Manager) probeContainers(ctx context.Context, id int64, t alert.Target, containers []string) outcome {
	var (
		out      outcome
		found    []string // containers with a JVM
		problems []string // why other containers gave nothing
	)
	for _, c := range containers {
		res := m.probe(ctx, t, c)
		switch {
		case res.err != nil && len(containers) == 1:
			return outcome{processes: res.processes, truncated: res.truncated, err: m.describe(res.err, t)}
		case res.err != nil:
			problems = append(problems, fmt.Sprintf("%s: %s", c, m.describe(res.err, t)))
		case res.noJVM:
			problems = append(problems, fmt.Sprintf("%s: no JVM", c))
		default:
			found = append(found, c)
			out.processes = append(out.processes, res.processes...)
			out.truncated = out.truncated || res.truncated
			out.windowMs = max(out.windowMs, res.windowMs)
		}
	}
	if len(found) == 0 {
		if len(containers) == 1 {
			out.err = fmt.Sprintf("no JVM found in container %q: no java process in its /proc", containers[0])
		} else {
			out.err = fmt.Sprintf("no JVM found in any container of pod %s/%s (%s)", t.Namespace, t.Pod, strings.Join(problems, "; "))
		}
		return out
	}
	if t.Container == "" {
		storeCtx, cancelStore := m.storeContext()
		err := m.store.SetContainer(storeCtx, id, strings.Join(found, ","))
		cancelStore()
		if err != nil {
			m.log.Warn("record resolved containers", "id", id, "error", err)
		}
		for _, c := range found {
			m.cooldown.record(t.Namespace, t.Pod, c, m.now())
		}
	}
	if !hasThreads(out.processes) {
		out.err = "no thread could be sampled or dumped: " + processErrors(out.processes)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// pickContainers returns the container to probe, or every running container when none is named.
func pickContainers(pod *kube.PodInfo, name string) ([]string, error) {
	if name != "" {
		c, err := pod.Container(name)
		if err != nil {
			return nil, err
		}
		if !c.Running {
			return nil, fmt.Errorf("container %q of pod %s/%s is not running", name, pod.Namespace, pod.Name)
		}
		return []string{c.Name}, nil
	}
	var running []string
	for _, c := range pod.Containers {
		if c.Running {
			running = append(running, c.Name)
		}
	}
	if len(running) == 0 {
		return nil, fmt.Errorf("no container of pod %s/%s is running (phase %s)", pod.Namespace, pod.Name, orNone(pod.Phase))
	}
	return running, nil
}

func hasThreads(ps []jvm.Process) bool {
	for _, p := range ps {
		if len(p.Threads) > 0 {
			return true
		}
	}
	return false
}

func processErrors(ps []jvm.Process) string {
	var errs []string
	for _, p := range ps {
		if p.Error != "" {
			errs = append(errs, fmt.Sprintf("pid %d: %s", p.PID, p.Error))
		}
	}
	return strings.Join(errs, "; ")
}

type probeResult struct {
	processes []jvm.Process
	truncated bool
	windowMs  int64
	noJVM     bool
	err       error
}

// errProbeIncomplete marks probe output that stopped before its end without an exec error.
var errProbeIncomplete = errors.New("the probe's output ended before it finished")

// probe runs the probe script in one container and turns its output into processes.
func (m *Manager) probe(ctx context.Context, t alert.Target, container string) probeResult {
	stdout := newCappedBuffer(m.cfg.MaxOutputBytes)
	stderr := newCappedBuffer(stderrCap)
	started := m.now()
	execErr := m.kube.Exec(ctx, kube.ExecRequest{
		Namespace: t.Namespace,
		Pod:       t.Pod,
		Container: container,
		Command:   jvm.ProbeArgs(m.cfg.SampleWindow),
		Stdin:     bytes.NewReader(jvm.ProbeScript()),
		Stdout:    stdout,
		Stderr:    stderr,
	})
	m.cfg.Observer.Phase(PhaseExec, time.Since(started))
	// The parser empties the buffer as it reads: the output is not held twice.
	capped := stdout.Capped()
	parseStarted := time.Now()
	defer func() { m.cfg.Observer.Phase(PhaseParse, time.Since(parseStarted)) }()
	out, parseErr := jvm.ParseProbeOutput(stdout.drain())
	observeProbeTimings(m.cfg.Observer, out)
	res := probeResult{truncated: capped || out.Truncated}
	switch {
	case out.NoJVM:
		res.noJVM = true
		return res
	case execErr != nil && !capped && !out.Complete:
		res.err = withStderr(execErr, stderr)
		return res
	case parseErr != nil && !capped && len(out.JVMs) == 0:
		res.err = withStderr(fmt.Errorf("%w: %w", errProbeIncomplete, parseErr), stderr)
		return res
	}

	for _, rec := range out.JVMs {
		text := rec.DumpText
		var notes []string
		if rec.SigquitSent {
			since := rec.SigquitAt
			if since.IsZero() {
				since = started
			}
			logText, err := m.dumpFromLog(ctx, t, container, since.Add(-2*time.Second))
			if err != nil {
				notes = append(notes, fmt.Sprintf("read the SIGQUIT dump back from the container log: %v", err))
			}
			text = logText
		}
		var dump *jvm.Dump
		if strings.TrimSpace(text) != "" {
			d, err := jvm.ParseThreadDump(text)
			if err != nil {
				notes = append(notes, fmt.Sprintf("thread dump: %v", err))
			} else {
				dump = d
			}
		}
		p := jvm.Analyze(rec, dump, m.cfg.TopThreads)
		p.Container = container
		if capped {
			p.Truncated = true
			notes = append(notes, fmt.Sprintf("output cut at %d bytes (maxOutputBytes)", m.cfg.MaxOutputBytes))
		}
		if len(notes) > 0 {
			p.Error = strings.Join(append(notes, p.Error), "; ")
			p.Error = strings.TrimSuffix(p.Error, "; ")
		}
		if p.Threads == nil {
			p.Threads = []jvm.Thread{}
		}
		res.processes = append(res.processes, p)
		res.windowMs = max(res.windowMs, p.WindowMs)
	}
	if len(res.processes) == 0 && res.truncated {
		res.err = fmt.Errorf("output cut at %d bytes (maxOutputBytes) before any JVM was reported", m.cfg.MaxOutputBytes)
	}
	return res
}

// dumpFromLog reads the container log until the dump that SIGQUIT asked for is complete.
// The JVM writes it asynchronously, so the first read may find it partial or missing.
func (m *Manager) dumpFromLog(ctx context.Context, t alert.Target, container string, since time.Time) (string, error) {
	var last string
	for {
		text, err := m.readLog(ctx, t, container, since)
		if err != nil {
			return last, err
		}
		dump, complete := jvm.DumpFromLog(text)
		if complete {
			return dump, nil
		}
		last = dump
		select {
		case <-ctx.Done():
			if last == "" {
				return "", fmt.Errorf("no thread dump appeared in the log: the JVM's stdout may not be the container's (only the main process's output reaches the log): %w", ctx.Err())
			}
			return last, fmt.Errorf("the dump in the log is incomplete: %w", ctx.Err())
		case <-time.After(logPollInterval):
		}
	}
}

func (m *Manager) readLog(ctx context.Context, t alert.Target, container string, since time.Time) (string, error) {
	rc, err := m.kube.Logs(ctx, t.Namespace, t.Pod, container, since, m.cfg.MaxOutputBytes)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	buf := newCappedBuffer(m.cfg.MaxOutputBytes)
	if _, err := io.Copy(buf, rc); err != nil && !buf.Capped() {
		return buf.String(), fmt.Errorf("read container log: %w", err)
	}
	return buf.String(), nil
}

func withStderr(err error, stderr *cappedBuffer) error {
	tail := strings.TrimSpace(stderr.String())
	if tail == "" {
		return err
	}
	if len(tail) > 500 {
		tail = "…" + tail[len(tail)-500:]
	}
	return fmt.Errorf("%w (stderr: %s)", err, tail)
}

// describe turns an error into the reason a user reads on the failed capture.
func (m *Manager) describe(err error, t alert.Target) string {
	var forbidden *kube.ForbiddenError
	switch {
	case errors.As(err, &forbidden):
		return forbidden.Error() + " to the plugin's service account"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("capture timed out after %s (captureTimeout): %v", m.cfg.CaptureTimeout, err)
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("the plugin stopped during the capture: %v", err)
	case errors.Is(err, kube.ErrPodNotFound):
		return fmt.Sprintf("pod %s/%s not found (deleted, or replaced by a pod with another name): %v", t.Namespace, t.Pod, err)
	case errors.Is(err, kube.ErrContainerNotFound):
		return err.Error()
	case errors.Is(err, kube.ErrExecutableNotFound):
		return fmt.Sprintf("the container has no /bin/sh: the probe needs a POSIX shell, so images without one (distroless) cannot be captured: %v", err)
	}
	if code, ok := kube.ExitCode(err); ok {
		return fmt.Sprintf("the probe exited with code %d: %v", code, err)
	}
	return err.Error()
}
