package egress

import (
	"bytes"
	"compress/gzip"
	"io"
	"sync"
)

// Body buffers are pooled: a response body is read into a pooled buffer and
// copied out once at its final size, so that nothing the caller keeps
// refers to a pooled or fasthttp-owned buffer.
const (
	initialBufSize = 4 << 10
	maxPooledBuf   = 256 << 10 // larger buffers are left to the GC
)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, initialBufSize)
	return &b
}}

// gzipReaders are reused: a gzip.Reader holds about 40 KiB of decoder
// state.
var gzipReaders sync.Pool

// isGzip reports a Content-Encoding of gzip.
func isGzip(enc []byte) bool {
	return len(enc) == 4 && bytes.EqualFold(enc, []byte("gzip"))
}

// readBody reads at most maxBytes bytes of the body r, gzip-decoded when
// gzipped: the bound applies after decoding, so a small compressed body
// cannot inflate past it. It reads one byte more to tell a body of exactly
// maxBytes bytes (read to its end, so that the connection can be reused)
// from a longer one (truncated; the rest is never read). complete reports
// that the body was read to its end. The returned slice is owned by the
// caller; it is nil for an empty body.
func readBody(r io.Reader, gzipped bool, maxBytes int64) (body []byte, truncated, complete bool, err error) {
	if gzipped {
		zr, zerr := gzipReader(r)
		if zerr == io.EOF { // an empty body, as net/http reads it
			return nil, false, true, nil
		}
		if zerr != nil {
			return nil, false, false, zerr
		}
		defer gzipReaders.Put(zr)
		r = zr
	}
	bp := bufPool.Get().(*[]byte)
	buf, complete, err := readLimited(r, (*bp)[:0], maxBytes+1)
	if int64(len(buf)) > maxBytes {
		buf, truncated, complete = buf[:maxBytes], true, false
	}
	if len(buf) > 0 {
		body = make([]byte, len(buf))
		copy(body, buf)
	}
	if cap(buf) <= maxPooledBuf {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
	return body, truncated, complete, err
}

func gzipReader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipReaders.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// readLimited appends from r to buf until EOF, an error, or limit bytes.
// atEOF reports that r ended; io.EOF is not an error.
func readLimited(r io.Reader, buf []byte, limit int64) (_ []byte, atEOF bool, _ error) {
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
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, false, nil
}
