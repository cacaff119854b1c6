package jvm

import (
	"errors"
	"strconv"
	"strings"
)

// Dump is a parsed HotSpot thread dump (jcmd Thread.print -l, jstack -l, or kill -3).
type Dump struct {
	Timestamp string   // the line before the banner as printed, e.g. "2026-11-22 10:31:52"
	JVM       string   // the banner without "Full thread dump " and ':'
	Threads   []Thread // in dump order; CPU fields are zero, InDump is true
	Deadlocks []string // "Found one Java-level deadlock" sections, verbatim
	Complete  bool     // the dump's end ("JNI global refs") was seen
	Raw       string   // the dump's own text, without output before or after it
}

const (
	bannerPrefix   = "Full thread dump "
	jniRefsPrefix  = "JNI global ref" // "JNI global refs:" (JDK 9+), "JNI global references:" (JDK 8)
	deadlockPrefix = "Found one Java-level deadlock"
	stateLinePrefx = "java.lang.Thread.State:"
	ownedHeader    = "Locked ownable synchronizers:"
)

// ErrNoThreadDump says a text holds no HotSpot thread dump.
var ErrNoThreadDump = errors.New("no HotSpot thread dump found")

// ParseThreadDump parses the first HotSpot thread dump in text; output before it (the
// application's stdout before a kill -3 dump, jcmd's "<pid>:" line) is skipped. For a
// container log that may hold several dumps, pass DumpFromLog's result. A cut-off dump
// yields the threads it has, with Complete false. It returns ErrNoThreadDump when text
// has neither a banner nor a thread.
func ParseThreadDump(text string) (*Dump, error) {
	lines := splitLines(text)
	first, banner := 0, -1
	d := &Dump{}
	for i, l := range lines {
		if strings.HasPrefix(l.text, bannerPrefix) {
			first, banner = i, i
			d.JVM = strings.TrimSuffix(strings.TrimPrefix(l.text, bannerPrefix), ":")
			if i > 0 && isDumpTimestamp(lines[i-1].text) {
				first = i - 1
				d.Timestamp = lines[i-1].text
			}
			break
		}
	}
	end := len(text)
	var cur *Thread
	inOwned := false
	deadlockStart := -1
	closeDeadlock := func(endOff int) {
		if deadlockStart >= 0 {
			d.Deadlocks = append(d.Deadlocks, strings.TrimRight(text[deadlockStart:endOff], "\r\n\t "))
			deadlockStart = -1
		}
	}
	// Threads and their frames are allocated once at their final size: a dump of thousands
	// of threads otherwise allocates several times its own size in slices that grow.
	headers := 0
	for _, l := range lines[first:] {
		if strings.HasPrefix(l.text, `"`) {
			headers++
		}
	}
	d.Threads = make([]Thread, 0, headers)
	frames := make([]Frame, 0, strings.Count(text, "\tat "))
	frameStart := 0
	flush := func() { cur = nil }
scan:
	for i := first; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimSpace(l.text)
		switch {
		case strings.HasPrefix(l.text, deadlockPrefix):
			flush()
			closeDeadlock(l.start)
			deadlockStart = l.start
			continue
		case deadlockStart >= 0:
			// "Found 2 deadlocks." closes the last section and the dump.
			if strings.HasPrefix(l.text, "Found ") && strings.Contains(l.text, " deadlock") {
				closeDeadlock(l.start)
				end = l.end
				break scan
			}
			continue
		case d.Complete:
			// After "JNI global refs" only deadlock sections belong to the dump; anything
			// else (the "Heap" summary after kill -3, later log output) ends it.
			if trimmed != "" {
				break scan
			}
			continue
		case strings.HasPrefix(l.text, jniRefsPrefix):
			flush()
			d.Complete = true
			end = l.end
			continue
		case i != banner && strings.HasPrefix(l.text, bannerPrefix):
			// A second dump: this one ended without its JNI line.
			end = l.start
			break scan
		case strings.HasPrefix(l.text, `"`):
			flush()
			inOwned = false
			if t, ok := parseThreadHeader(l.text); ok {
				d.Threads = append(d.Threads, t)
				cur, frameStart = &d.Threads[len(d.Threads)-1], len(frames)
			}
			// A header we cannot read (a name with a newline): its lines are dropped
			// rather than given to the thread before it.
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.HasPrefix(trimmed, stateLinePrefx):
			state := strings.TrimSpace(strings.TrimPrefix(trimmed, stateLinePrefx))
			if sp := strings.IndexByte(state, ' '); sp >= 0 {
				cur.State, cur.StateInfo = state[:sp], strings.TrimSpace(state[sp+1:])
			} else {
				cur.State = state
			}
		case strings.HasPrefix(trimmed, "at "):
			// One backing array for all frames; the full slice expression keeps a caller's
			// append to one thread's frames from overwriting the next thread's.
			frames = append(frames, parseFrame(trimmed[len("at "):]))
			cur.Frames = frames[frameStart:len(frames):len(frames)]
		case trimmed == ownedHeader:
			inOwned = true
		case strings.HasPrefix(trimmed, "- "):
			body := trimmed[len("- "):]
			if inOwned {
				if body != "None" {
					lk := parseLock(body)
					lk.Kind, lk.Frame = "owned", -1
					cur.OwnedSyncs = append(cur.OwnedSyncs, lk)
				}
				continue
			}
			lk := parseLock(body)
			lk.Frame = len(cur.Frames) - 1
			cur.Locks = append(cur.Locks, lk)
		}
	}
	flush()
	if deadlockStart >= 0 { // cut off inside a deadlock section
		closeDeadlock(len(text))
		end = len(text)
	}
	if d.JVM == "" && len(d.Threads) == 0 {
		return nil, ErrNoThreadDump
	}
	start := 0
	if first < len(lines) {
		start = lines[first].start
	}
	if end < start {
		end = start
	}
	d.Raw = text[start:end]
	return d, nil
}

// DumpFromLog picks the LAST complete thread dump out of a container log read back after
// kill -3 (application output may come before, between and after dumps). When no dump is
// complete it returns the last partial one with complete false; "" when there is none.
func DumpFromLog(log string) (dump string, complete bool) {
	var lastPartial string
	rest := log
	for {
		i := strings.LastIndex(rest, bannerPrefix)
		if i < 0 {
			return lastPartial, false
		}
		if i > 0 && rest[i-1] != '\n' { // "Full thread dump" inside a line is not a banner
			rest = rest[:i]
			continue
		}
		start := i
		if i > 0 { // include the timestamp line before the banner; rest[i-1] is its '\n'
			prev := strings.LastIndexByte(rest[:i-1], '\n') + 1
			if isDumpTimestamp(strings.TrimSuffix(rest[prev:i-1], "\r")) {
				start = prev
			}
		}
		d, err := ParseThreadDump(rest[start:])
		if err == nil && d.Complete {
			return d.Raw, true
		}
		if err == nil && lastPartial == "" {
			lastPartial = d.Raw
		}
		rest = rest[:start]
	}
}

// parseThreadHeader reads a thread header line:
//
//	"<name>" #<id> [<tid>] daemon prio=5 os_prio=0 cpu=.. elapsed=.. tid=0x.. nid=0x2d5c <state> [0x..]
//	"VM Thread" os_prio=0 cpu=.. elapsed=.. tid=0x.. nid=11779 runnable
//
// Names may hold quotes; the rest of the line never does, so the name ends at the
// line's last '"'. Lines without nid= (the deadlock report's `"deadlock-1":`) are not headers.
func parseThreadHeader(line string) (Thread, bool) {
	closing := strings.LastIndexByte(line, '"')
	if closing < 1 {
		return Thread{}, false
	}
	t := Thread{Name: line[1:closing], InDump: true}
	bracketTID := 0
	haveNID := false
	for _, f := range strings.Fields(line[closing+1:]) {
		switch {
		case strings.HasPrefix(f, "#"):
			if v, err := strconv.ParseInt(f[1:], 10, 64); err == nil {
				t.JavaID = v
			}
		case f == "daemon":
			t.Daemon = true
		case strings.HasPrefix(f, "prio="):
			if v, err := strconv.Atoi(f[len("prio="):]); err == nil {
				t.Priority = v
			}
		case strings.HasPrefix(f, "nid="):
			if v, ok := parseNativeID(f[len("nid="):]); ok {
				t.NativeID, haveNID = v, true
			}
		case len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' && !strings.HasPrefix(f, "[0x"):
			// JDK 19+: "[11789]", the same tid as nid=.
			if v, err := strconv.Atoi(f[1 : len(f)-1]); err == nil {
				bracketTID = v
			}
		}
	}
	if !haveNID {
		if bracketTID == 0 {
			return Thread{}, false
		}
		t.NativeID = bracketTID
	}
	return t, true
}

// parseNativeID reads nid=0x2d5c (JDK ≤ 20) or nid=11789 (JDK 21+).
func parseNativeID(s string) (int, bool) {
	base := 10
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseInt(s, base, 32)
	if err != nil || v < 0 {
		return 0, false
	}
	return int(v), true
}

// parseFrame reads what follows "at ": "java.lang.Thread.sleep(java.base@17.0.15/Native Method)".
func parseFrame(s string) Frame {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return Frame{Method: s}
	}
	return Frame{Method: s[:open], Source: strings.TrimSuffix(s[open+1:], ")")}
}

// parseLock reads a lock line without its "- ":
//
//	waiting on <0x000000069ec02f40> (a java.lang.ref.ReferenceQueue$Lock)
//	parking to wait for  <0x...> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)
//	waiting to re-lock in wait() <0x...> (a java.lang.Object)
//	<0x...> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)   (owned synchronizer)
func parseLock(s string) Lock {
	open := strings.IndexByte(s, '<')
	if open < 0 {
		return Lock{Kind: s}
	}
	lk := Lock{Kind: strings.TrimSpace(s[:open])}
	if lk.Kind == "waiting to re-lock in wait()" {
		lk.Kind = "waiting to re-lock"
	}
	rest := s[open+1:]
	if gt := strings.IndexByte(rest, '>'); gt >= 0 {
		if id := rest[:gt]; strings.HasPrefix(id, "0x") {
			lk.ID = id
		}
		rest = rest[gt+1:]
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(a ") && strings.HasSuffix(rest, ")") {
		lk.Class = rest[len("(a ") : len(rest)-1]
	}
	return lk
}

// isDumpTimestamp matches the "2026-11-22 10:31:52" line HotSpot prints before the banner.
func isDumpTimestamp(s string) bool {
	if len(s) != len("2006-01-02 15:04:05") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != ' ' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// line is one line of a text, without its line break; start and end are byte offsets
// of the line's text (end excludes the break).
type line struct {
	text       string
	start, end int
}

func splitLines(text string) []line {
	lines := make([]line, 0, strings.Count(text, "\n")+1)
	for off := 0; off < len(text); {
		nl := strings.IndexByte(text[off:], '\n')
		next := len(text)
		end := len(text)
		if nl >= 0 {
			end = off + nl
			next = end + 1
		}
		lines = append(lines, line{text: strings.TrimSuffix(text[off:end], "\r"), start: off, end: end})
		off = next
	}
	return lines
}
