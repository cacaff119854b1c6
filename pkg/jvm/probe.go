package jvm

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

//go:embed probe.sh
var probeScript []byte

// ProbeVersion is the protocol version the probe prints and ParseProbeOutput reads.
const ProbeVersion = 1

// DefaultDumpTimeout bounds each jcmd/jstack run inside the container (when the
// container has `timeout`); the exec itself is bounded by the caller's context.
const DefaultDumpTimeout = 30 * time.Second

// ProbeScript returns the probe, to be sent on the exec's stdin, with the attach client's
// class in it (attach.go). The slice is a new one on every call.
func ProbeScript() []byte {
	return WithToolRoom(bytes.Replace(probeScript, []byte(attachClassPlaceholder), []byte(attachClassPrintf()), 1))
}

// ProbeArgs returns the argv that runs the probe from stdin with a sampling window.
// Only numbers formatted here reach the command line.
func ProbeArgs(window time.Duration) []string {
	ms := window.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	return []string{"sh", "-s", "--",
		strconv.FormatInt(ms, 10),
		strconv.FormatInt(int64(DefaultDumpTimeout/time.Second), 10)}
}

// ProbeOutput is everything the probe printed.
type ProbeOutput struct {
	Version   int
	ClkTck    int   // clock ticks per second; 0 when the container has no getconf
	WindowMs  int64 // the window the probe was asked for; JVMRecord has the measured one
	JVMs      []*JVMRecord
	NoJVM     bool     // the probe found no JVM
	Complete  bool     // the probe's final record arrived
	Truncated bool     // the output ended before the final record
	Notes     []string // protocol problems: unknown records, stray lines
}

// JVMRecord is what the probe reported about one JVM.
type JVMRecord struct {
	PID           int
	Command       string
	ClkTck        int         // copied from ProbeOutput
	Start, End    *TaskSample // nil when the sample is missing
	DumpSource    DumpSource  // "" when no dump was taken
	DumpExit      int         // the dump tool's exit status
	DumpText      string      // the tool's stdout and stderr (jcmd, jstack)
	SigquitSent   bool        // the dump went to the container log instead
	SigquitAt     time.Time   // when the probe sent SIGQUIT (container clock, seconds); zero if unknown
	SigquitReason string      // why no tool was used
	// DumpStart and DumpEnd are when the probe asked a tool for this JVM's dump and when the
	// tool returned, on the samples' clock (/proc/uptime seconds); 0 when not reported (a
	// probe before these records, a SIGQUIT dump). A retried tool keeps the first start and
	// the last end.
	DumpStart, DumpEnd float64
	Errors             []string
	Truncated          bool // the output was cut inside this JVM's dump
}

// TaskSample is one /proc sample of all threads of a JVM.
type TaskSample struct {
	Uptime   float64 // /proc/uptime, seconds
	Tasks    []TaskStat
	BadLines int // stat lines that did not parse (a thread that vanished mid-read, a cut line)
}

// ErrTruncated says the probe's output ended before its final record.
var ErrTruncated = errors.New("probe output truncated")

// ErrNotProbeOutput says the input does not start like the probe's output.
var ErrNotProbeOutput = errors.New("not stackcapture probe output")

const (
	recordPrefix = "@sc "
	dataPrefix   = '|'
	maxLineBytes = 1 << 20 // longer lines are cut: a thread name can be long, not this long
	maxErrDetail = 2000
	maxStatJoin  = 200 // a split stat line is rejoined only while it could still be one
)

// ParseProbeOutput reads the probe's output. It always returns a non-nil output holding
// everything that was complete. The error is ErrNotProbeOutput (no header), ErrTruncated
// (the caller's byte cap or a dropped stream cut it), or a read error, wrapped.
func ParseProbeOutput(r io.Reader) (*ProbeOutput, error) {
	out := &ProbeOutput{}
	p := probeParser{out: out, byPID: map[int]*JVMRecord{}}
	if l, ok := r.(interface{ Len() int }); ok {
		p.unread = l.Len
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var readErr error
	for !out.Complete {
		line, complete, err := readLine(br)
		if line != "" || complete {
			if !complete && err != nil {
				// A last line without its newline may be cut short: keep it only if it is
				// the final record, which has nothing after it.
				if line == recordPrefix+"done" {
					p.handle(line)
				}
			} else {
				p.handle(line)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
	}
	for _, rec := range out.JVMs {
		rec.ClkTck = out.ClkTck
	}
	switch {
	case out.Version == 0:
		return out, fmt.Errorf("parse probe output: %w", ErrNotProbeOutput)
	case readErr != nil:
		out.Truncated = true
		p.markCut()
		return out, fmt.Errorf("read probe output: %w", readErr)
	case !out.Complete:
		out.Truncated = true
		p.markCut()
		return out, fmt.Errorf("parse probe output after %d lines: %w", p.lines, ErrTruncated)
	}
	return out, nil
}

// readLine returns the next line without its newline; complete is false when the input
// ended (or the line was cut at maxLineBytes) before a newline.
func readLine(br *bufio.Reader) (string, bool, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if b == nil && err == nil {
			// The usual case, a whole line in the buffer: one allocation, not two.
			return strings.TrimSuffix(string(chunk[:len(chunk)-1]), "\r"), true, nil
		}
		if len(b)+len(chunk) <= maxLineBytes {
			b = append(b, chunk...)
		} else if len(b) < maxLineBytes {
			b = append(b, chunk[:maxLineBytes-len(b)]...)
		}
		switch {
		case err == nil:
			return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return string(b), false, err
		}
	}
}

type dataTarget int

const (
	toNothing dataTarget = iota
	toCommand
	toSample
	toDump
	toError
)

type probeParser struct {
	out     *ProbeOutput
	byPID   map[int]*JVMRecord
	lines   int
	target  dataTarget
	rec     *JVMRecord  // the record data lines belong to
	sample  *TaskSample // for toSample
	dump    strings.Builder
	stray   int // lines that are neither records nor data
	orphans int // data lines before any record that takes data
	// errDetail counts the detail lines appended to the current error.
	errDetail int
	// pendingStat is the start of a stat line whose comm held a newline.
	pendingStat string
	// unread, when the reader can tell, is how many bytes it has left: a dump is at most
	// that long, so its text is allocated once instead of growing (and copying) many times.
	unread func() int
}

func (p *probeParser) handle(line string) {
	p.lines++
	if p.out.Version == 0 {
		// Anything before the header (a login banner, a shell warning) is not ours.
		if f := strings.Fields(strings.TrimPrefix(line, recordPrefix)); strings.HasPrefix(line, recordPrefix) &&
			len(f) == 2 && f[0] == "stackcapture-probe" {
			v, err := strconv.Atoi(f[1])
			if err != nil || v != ProbeVersion {
				p.note("unsupported probe protocol version %q", f[1])
				return
			}
			p.out.Version = v
		}
		return
	}
	if len(line) > 0 && line[0] == dataPrefix {
		p.data(line[1:])
		return
	}
	if !strings.HasPrefix(line, recordPrefix) {
		if p.stray++; p.stray == 1 {
			p.note("unexpected output line from the probe")
		}
		return
	}
	p.finishData()
	f := strings.Fields(line[len(recordPrefix):])
	if len(f) == 0 {
		p.note("empty record")
		return
	}
	kind, args := f[0], f[1:]
	switch kind {
	case "clk_tck":
		if v, ok := positiveArg(args, 0); ok {
			p.out.ClkTck = v
		}
	case "window_ms":
		if v, ok := positiveArg(args, 0); ok {
			p.out.WindowMs = int64(v)
		}
	case "nojvm":
		p.out.NoJVM = true
	case "done":
		p.out.Complete = true
	case "jvm", "start", "end", "dump", "sigquit", "error", "dump_start", "dump_end":
		pid, ok := positiveArg(args, 0)
		if !ok {
			p.note("record %q without a pid", kind)
			return
		}
		p.rec = p.record(pid)
		p.perJVM(kind, args[1:], line)
	default:
		p.note("unknown record %q", kind)
	}
}

func (p *probeParser) perJVM(kind string, args []string, line string) {
	rec := p.rec
	switch kind {
	case "jvm":
		p.target = toCommand
	case "start", "end":
		s := &TaskSample{}
		if len(args) > 0 {
			if v, err := strconv.ParseFloat(args[0], 64); err == nil && v >= 0 {
				s.Uptime = v
			}
		}
		if s.Uptime == 0 {
			rec.Errors = append(rec.Errors, fmt.Sprintf("%s sample without a clock", kind))
		}
		if kind == "start" {
			rec.Start = s
		} else {
			rec.End = s
		}
		p.sample, p.target = s, toSample
	case "dump":
		if len(args) > 0 {
			switch src := DumpSource(args[0]); src {
			case SourceAttach, SourceJcmd, SourceJstack:
				rec.DumpSource = src
			default:
				p.note("unknown dump source %q", args[0])
			}
		}
		if len(args) > 1 {
			if v, err := strconv.Atoi(args[1]); err == nil {
				rec.DumpExit = v
			}
		}
		p.dump.Reset()
		if p.unread != nil {
			p.dump.Grow(p.unread())
		}
		p.target = toDump
	case "dump_start", "dump_end":
		var at float64
		if len(args) > 0 {
			if v, err := strconv.ParseFloat(args[0], 64); err == nil && v > 0 {
				at = v
			}
		}
		switch {
		case at == 0:
			p.note("record %q without a clock", kind)
		case kind == "dump_start" && rec.DumpStart == 0:
			rec.DumpStart = at
		case kind == "dump_end":
			rec.DumpEnd = at
		}
	case "sigquit":
		rec.SigquitSent = true
		rec.DumpSource = SourceSigquit
		if len(args) > 0 {
			if v, err := strconv.ParseInt(args[0], 10, 64); err == nil && v > 0 {
				rec.SigquitAt = time.Unix(v, 0).UTC()
			}
			rec.SigquitReason = strings.Join(args[1:], " ")
		}
	case "error":
		// Keep the message as printed (Fields would squeeze its spaces).
		msg := strings.TrimSpace(line[strings.Index(line, kind)+len(kind):])
		msg = strings.TrimSpace(strings.TrimPrefix(msg, strconv.Itoa(rec.PID)))
		if msg == "" {
			msg = "unspecified probe error"
		}
		rec.Errors = append(rec.Errors, msg)
		p.target, p.errDetail = toError, 0
	}
}

func (p *probeParser) data(text string) {
	switch p.target {
	case toCommand:
		if p.rec.Command == "" {
			p.rec.Command = strings.TrimSpace(text)
		}
	case toSample:
		if p.pendingStat != "" {
			// A thread name with a newline split its stat line.
			text = p.pendingStat + "\n" + text
			p.pendingStat = ""
		}
		if st, err := ParseTaskStat(text); err == nil {
			p.sample.Tasks = append(p.sample.Tasks, st)
		} else if open := strings.IndexByte(text, '('); open >= 0 && !strings.Contains(text[open:], ")") && len(text) < maxStatJoin {
			p.pendingStat = text
		} else {
			p.sample.BadLines++
		}
	case toDump:
		p.dump.WriteString(text)
		p.dump.WriteByte('\n')
	case toError:
		// The failing tool's output, appended to the error it explains.
		last := &p.rec.Errors[len(p.rec.Errors)-1]
		if text = strings.TrimSpace(text); text != "" && len(*last) < maxErrDetail {
			sep := " | "
			if p.errDetail == 0 {
				sep = ": "
			}
			p.errDetail++
			*last = clip(*last+sep+text, maxErrDetail)
		}
	default:
		if p.orphans++; p.orphans == 1 {
			p.note("data line outside a record")
		}
	}
}

// finishData closes the data of the record before a new record.
func (p *probeParser) finishData() {
	if p.pendingStat != "" {
		p.sample.BadLines++
		p.pendingStat = ""
	}
	if p.target == toDump {
		p.rec.DumpText = p.dump.String()
		p.dump.Reset()
	}
	p.target = toNothing
}

// markCut records a cut in the middle of a record's data.
func (p *probeParser) markCut() {
	if p.target == toDump {
		p.rec.Truncated = true
		p.finishData()
	}
	if p.target == toSample && p.rec != nil {
		p.rec.Truncated = true
	}
	for _, rec := range p.out.JVMs {
		if rec.DumpText == "" && !rec.SigquitSent && len(rec.Errors) == 0 {
			rec.Errors = append(rec.Errors, "probe output ended before this JVM's dump")
			rec.Truncated = true
		}
	}
}

func (p *probeParser) record(pid int) *JVMRecord {
	if rec, ok := p.byPID[pid]; ok {
		return rec
	}
	rec := &JVMRecord{PID: pid}
	p.byPID[pid] = rec
	p.out.JVMs = append(p.out.JVMs, rec)
	return rec
}

func (p *probeParser) note(format string, args ...any) {
	p.out.Notes = append(p.out.Notes, fmt.Sprintf("line %d: ", p.lines)+fmt.Sprintf(format, args...))
}

func positiveArg(args []string, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	v, err := strconv.Atoi(args[i])
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}

// Timings is how long the probe spent in its two phases, from its own clock: sampling (the
// first JVM's start sample to the last JVM's end sample) and dumping (the first request for
// a dump to the last tool's return). The clock steps in 10 ms (/proc/uptime).
type Timings struct {
	Sample, Dump       time.Duration
	HasSample, HasDump bool // false: the output lacks the records (or they make no sense)
}

// Timings reads the phases' durations off the records of every JVM.
func (o *ProbeOutput) Timings() Timings {
	var t Timings
	var sampleFrom, sampleTo, dumpFrom, dumpTo float64
	for _, rec := range o.JVMs {
		if rec.Start != nil && rec.End != nil && rec.Start.Uptime > 0 && rec.End.Uptime >= rec.Start.Uptime {
			sampleFrom, sampleTo = earliest(sampleFrom, rec.Start.Uptime), max(sampleTo, rec.End.Uptime)
		}
		if rec.DumpStart > 0 && rec.DumpEnd >= rec.DumpStart {
			dumpFrom, dumpTo = earliest(dumpFrom, rec.DumpStart), max(dumpTo, rec.DumpEnd)
		}
	}
	if sampleFrom > 0 {
		t.Sample, t.HasSample = uptimeDuration(sampleTo-sampleFrom), true
	}
	if dumpFrom > 0 {
		t.Dump, t.HasDump = uptimeDuration(dumpTo-dumpFrom), true
	}
	return t
}

// earliest is the smaller of two clock readings, 0 meaning none yet.
func earliest(a, b float64) float64 {
	if a == 0 || b < a {
		return b
	}
	return a
}

// uptimeDuration converts a difference of /proc/uptime readings, rounded to its 10 ms steps
// (the float subtraction leaves noise below them).
func uptimeDuration(seconds float64) time.Duration {
	return (time.Duration(seconds*float64(time.Second)) + 5*time.Millisecond).Truncate(10 * time.Millisecond)
}
