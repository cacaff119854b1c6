package capture

import (
	"bytes"
	"errors"
)

// errOutputCapped stops the exec stream once the cap is reached: the remote end sees its
// output closed and stops, instead of producing bytes nobody keeps.
var errOutputCapped = errors.New("output cap reached")

// cappedBuffer keeps at most max bytes; the write that crosses the cap keeps what fits and fails.
type cappedBuffer struct {
	buf    bytes.Buffer
	max    int64
	capped bool
}

func newCappedBuffer(max int64) *cappedBuffer { return &cappedBuffer{max: max} }

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - int64(b.buf.Len())
	if int64(len(p)) <= room {
		return b.buf.Write(p)
	}
	b.capped = true
	if room > 0 {
		b.buf.Write(p[:room])
	}
	return int(max(room, 0)), errOutputCapped
}

func (b *cappedBuffer) Bytes() []byte  { return b.buf.Bytes() }
func (b *cappedBuffer) String() string { return b.buf.String() }
func (b *cappedBuffer) Capped() bool   { return b.capped }
