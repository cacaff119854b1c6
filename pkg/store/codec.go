package store

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm"
)

// msOrNull stores a time as unix milliseconds, the zero time as NULL.
func msOrNull(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMs reads back a time stored by msOrNull, in UTC.
func fromMs(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gzipString compresses s without first copying it into a []byte: a raw dump may be as
// large as the probe's output cap, and the copy was the largest allocation of storing it.
func gzipString(s string) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(s)/8 + 64) // thread dumps compress about 10:1
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	chunk := make([]byte, 0, 32<<10)
	for len(s) > 0 {
		n := min(len(s), cap(chunk))
		chunk = append(chunk[:0], s[:n]...)
		if _, err := zw.Write(chunk); err != nil {
			return nil, err
		}
		s = s[n:]
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxInflated caps what a stored blob may expand to, so a corrupt or hostile
// row cannot exhaust memory.
const maxInflated = 256 << 20

func gunzipBytes(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer func() { _ = zr.Close() }() // errors surface from the reads
	out, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxInflated {
		return nil, fmt.Errorf("blob inflates to more than %d bytes", maxInflated)
	}
	return out, nil
}

func encodeProcesses(ps []jvm.Process) ([]byte, error) {
	js, err := json.Marshal(ps)
	if err != nil {
		return nil, fmt.Errorf("encode processes: %w", err)
	}
	gz, err := gzipBytes(js)
	if err != nil {
		return nil, fmt.Errorf("compress processes: %w", err)
	}
	return gz, nil
}

func decodeProcesses(gz []byte) ([]jvm.Process, error) {
	js, err := gunzipBytes(gz)
	if err != nil {
		return nil, fmt.Errorf("decompress processes: %w", err)
	}
	var ps []jvm.Process
	if err := json.Unmarshal(js, &ps); err != nil {
		return nil, fmt.Errorf("decode processes: %w", err)
	}
	return ps, nil
}

func encodeAlert(a *alert.Alert) (sql.NullString, error) {
	if a == nil {
		return sql.NullString{}, nil
	}
	js, err := json.Marshal(a)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode alert: %w", err)
	}
	return sql.NullString{String: string(js), Valid: true}, nil
}

func decodeAlert(v sql.NullString) (*alert.Alert, error) {
	if !v.Valid {
		return nil, nil
	}
	var a alert.Alert
	if err := json.Unmarshal([]byte(v.String), &a); err != nil {
		return nil, fmt.Errorf("decode alert: %w", err)
	}
	return &a, nil
}

// topThread is the busiest thread over all processes: highest CPUPercent, the
// first one seen on ties (processes list their threads busiest first). It
// returns a pointer into ps, or nil when there is no thread.
func topThread(ps []jvm.Process) *jvm.Thread {
	var top *jvm.Thread
	for i := range ps {
		for j := range ps[i].Threads {
			t := &ps[i].Threads[j]
			if top == nil || t.CPUPercent > top.CPUPercent {
				top = t
			}
		}
	}
	return top
}
