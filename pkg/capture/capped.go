package capture

import (
	"errors"
	"io"
	"strings"
)

// errOutputCapped stops the exec stream once the cap is reached: the remote end sees its
// output closed and stops, instead of producing bytes nobody keeps.
var errOutputCapped = errors.New("output cap reached")

// chunkSize is the unit cappedBuffer allocates in. A bytes.Buffer doubles instead: at the
// 16 MiB cap it held a 32 MiB array and had thrown away 8+4+2+… MiB on the way there.
const chunkSize = 256 << 10

// cappedBuffer keeps at most max bytes; the write that crosses the cap keeps what fits and fails.
// It stores its bytes in fixed-size chunks, so it never holds more than max rounded up to a
// chunk, and its reader (drain) gives each chunk back to the garbage collector once read.
type cappedBuffer struct {
	chunks [][]byte // each of capacity chunkSize; only the last one may be partly filled
	size   int64
	max    int64
	capped bool
}

func newCappedBuffer(limit int64) *cappedBuffer { return &cappedBuffer{max: limit} }

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.size
	keep := p
	if int64(len(p)) > room {
		b.capped = true
		keep = p[:max(room, 0)]
	}
	for rest := keep; len(rest) > 0; {
		if n := len(b.chunks); n == 0 || len(b.chunks[n-1]) == cap(b.chunks[n-1]) {
			b.chunks = append(b.chunks, make([]byte, 0, min(chunkSize, b.max)))
		}
		last := &b.chunks[len(b.chunks)-1]
		k := min(len(rest), cap(*last)-len(*last))
		*last = append(*last, rest[:k]...)
		rest = rest[k:]
	}
	b.size += int64(len(keep))
	if b.capped {
		return len(keep), errOutputCapped
	}
	return len(p), nil
}

// Len is the number of bytes kept.
func (b *cappedBuffer) Len() int64 { return b.size }

// Capped reports whether a write crossed the cap.
func (b *cappedBuffer) Capped() bool { return b.capped }

// String returns the bytes kept, in one allocation of their exact size.
func (b *cappedBuffer) String() string {
	var s strings.Builder
	s.Grow(int(b.size))
	for _, c := range b.chunks {
		s.Write(c)
	}
	return s.String()
}

// drain returns a reader of the bytes kept that empties the buffer as it goes: each chunk
// is dropped once read, so parsing the output does not hold a second copy of it.
// The buffer must not be written to afterwards.
func (b *cappedBuffer) drain() io.Reader { return &drainReader{b: b} }

type drainReader struct{ b *cappedBuffer }

func (r *drainReader) Read(p []byte) (int, error) {
	b := r.b
	for len(b.chunks) > 0 && len(b.chunks[0]) == 0 {
		b.chunks[0] = nil
		b.chunks = b.chunks[1:]
	}
	if len(b.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.chunks[0])
	b.chunks[0] = b.chunks[0][n:]
	b.size -= int64(n)
	return n, nil
}

// Len is how many bytes are left to read.
func (r *drainReader) Len() int { return int(r.b.size) }
