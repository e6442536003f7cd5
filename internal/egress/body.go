package egress

import (
	"io"
	"sync"
)

// Body buffers are pooled: a response body is read into a pooled buffer and
// copied out once at its final size.
const (
	initialBufSize = 4 << 10
	maxPooledBuf   = 256 << 10 // larger buffers are left to the GC
)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, initialBufSize)
	return &b
}}

// readBody reads at most maxBytes bytes of r. It reads one byte more to tell a
// body of exactly maxBytes bytes (read to EOF, so the connection can be reused)
// from a longer one (truncated; the rest is never read). The returned slice
// is owned by the caller; it is nil for an empty body.
func readBody(r io.Reader, maxBytes int64) (body []byte, truncated bool, err error) {
	bp := bufPool.Get().(*[]byte)
	buf, err := readLimited(r, (*bp)[:0], maxBytes+1)
	if int64(len(buf)) > maxBytes {
		buf, truncated = buf[:maxBytes], true
	}
	if len(buf) > 0 {
		body = make([]byte, len(buf))
		copy(body, buf)
	}
	if cap(buf) <= maxPooledBuf {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
	return body, truncated, err
}

// readLimited appends from r to buf until EOF, an error, or limit bytes.
// io.EOF is not an error.
func readLimited(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		room := buf[len(buf):cap(buf)]
		if rest := limit - int64(len(buf)); int64(len(room)) > rest {
			room = room[:rest]
		}
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
