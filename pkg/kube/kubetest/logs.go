package kubetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// logPollInterval is how often container log files are tailed. A line's
// timestamp is when the tailer first saw it, so it lags the write by at most
// this much (the kubelet's timestamps lag the process's write, too).
const logPollInterval = 10 * time.Millisecond

// logTail follows one container log file and remembers when each line
// appeared, so pods/log can answer sinceTime honestly.
type logTail struct {
	path string

	mu      sync.Mutex
	offset  int64
	lines   []logLine // complete lines, in order
	partial logLine   // the unterminated last line, if any
	readErr error     // last error other than "file does not exist yet"
}

type logLine struct {
	ts   time.Time
	data []byte // includes the trailing '\n' for complete lines
}

// startTail begins following path until the server closes.
func (s *Server) startTail(path string) *logTail {
	l := &logTail{path: path}
	l.poll()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(logPollInterval)
		defer tick.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-tick.C:
				l.poll()
			}
		}
	}()
	return l
}

// poll reads whatever was appended since the last poll and stamps new lines.
func (l *logTail) poll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.Open(l.path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			l.readErr = err
		}
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		l.readErr = err
		return
	}
	if fi.Size() < l.offset { // truncated or replaced: start over, keep history
		l.offset = 0
		l.flushPartial()
	}
	if fi.Size() == l.offset {
		return
	}
	buf := make([]byte, fi.Size()-l.offset)
	n, err := f.ReadAt(buf, l.offset)
	if err != nil && !errors.Is(err, io.EOF) {
		l.readErr = err
		return
	}
	l.readErr = nil
	buf = buf[:n]
	l.offset += int64(n)
	now := time.Now()
	for len(buf) > 0 {
		if l.partial.data == nil {
			l.partial.ts = now
		}
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			l.partial.data = append(l.partial.data, buf...)
			break
		}
		l.partial.data = append(l.partial.data, buf[:i+1]...)
		l.flushPartial()
		buf = buf[i+1:]
	}
}

func (l *logTail) flushPartial() {
	if l.partial.data != nil {
		l.lines = append(l.lines, l.partial)
		l.partial = logLine{}
	}
}

// snapshot returns every line seen so far, the unterminated one last.
func (l *logTail) snapshot() ([]logLine, error) {
	l.poll()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]logLine(nil), l.lines...)
	if l.partial.data != nil {
		out = append(out, l.partial)
	}
	return out, l.readErr
}

// serveLog handles pods/{name}/log with sinceTime, sinceSeconds, limitBytes,
// tailLines, timestamps and previous (SetPreviousLog). follow is refused.
func (s *Server) serveLog(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	if s.isDenied("get", "pods", "log") {
		writeStatus(w, forbidden("get", "pods", "log", ns, name))
		return
	}
	p := s.lookup(w, r)
	if p == nil {
		return
	}
	q := r.URL.Query()
	c, serr := p.container(q.Get("container"))
	if serr != nil {
		writeStatus(w, serr)
		return
	}
	if b, _ := strconv.ParseBool(q.Get("follow")); b {
		writeStatus(w, apierrors.NewBadRequest("kubetest: pods/log does not support follow"))
		return
	}
	previous, _ := strconv.ParseBool(q.Get("previous"))
	var since time.Time
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("invalid sinceTime %q: %v", v, err)))
			return
		}
		since = t
	}
	if v := q.Get("sinceSeconds"); v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs < 1 {
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("invalid sinceSeconds %q", v)))
			return
		}
		since = time.Now().Add(-time.Duration(secs) * time.Second)
	}
	limit, err := optionalInt(q.Get("limitBytes"), "limitBytes")
	if err != nil {
		writeStatus(w, err)
		return
	}
	tail, err := optionalInt(q.Get("tailLines"), "tailLines")
	if err != nil {
		writeStatus(w, err)
		return
	}
	timestamps, _ := strconv.ParseBool(q.Get("timestamps"))

	var lines []logLine
	if previous {
		var perr *apierrors.StatusError
		if lines, perr = s.previousLines(ns, name, c.spec.Name); perr != nil {
			writeStatus(w, perr)
			return
		}
	} else if c.log != nil {
		var readErr error
		if lines, readErr = c.log.snapshot(); readErr != nil {
			writeStatus(w, apierrors.NewInternalError(fmt.Errorf("read container log: %w", readErr)))
			return
		}
	}
	// The kubelet keeps lines stamped at or after sinceTime.
	first := 0
	for first < len(lines) && lines[first].ts.Before(since) {
		first++
	}
	lines = lines[first:]
	if tail >= 0 && int(tail) < len(lines) {
		lines = lines[len(lines)-int(tail):]
	}
	var body bytes.Buffer
	for _, l := range lines {
		if timestamps {
			body.WriteString(l.ts.UTC().Format(time.RFC3339Nano))
			body.WriteByte(' ')
		}
		body.Write(l.data)
	}
	out := body.Bytes()
	if limit >= 0 && int64(len(out)) > limit {
		out = out[:limit]
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// optionalInt parses a non-negative query integer; -1 means absent.
func optionalInt(v, name string) (int64, *apierrors.StatusError) {
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid %s %q", name, v))
	}
	return n, nil
}
