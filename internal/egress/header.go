package egress

import (
	"net/http"
	"net/textproto"

	"github.com/valyala/fasthttp"
)

// convertHeader copies a response header into an http.Header, names
// canonical, in three allocations: the map, one string holding every name
// and value, and the value slices. When the body is decoded from gzip,
// Content-Encoding and Content-Length (which describe the encoded body)
// are left out, as net/http does.
func convertHeader(h *fasthttp.ResponseHeader, decoded bool) http.Header {
	n, size := 0, 0
	for k, v := range h.All() {
		if decoded && dropDecoded(k) {
			continue
		}
		n++
		size += len(k) + len(v)
	}
	if n == 0 {
		return http.Header{}
	}
	buf := make([]byte, 0, size)
	for k, v := range h.All() {
		if decoded && dropDecoded(k) {
			continue
		}
		buf = append(buf, k...)
		buf = append(buf, v...)
	}
	all := string(buf)
	out := make(http.Header, n)
	vals := make([]string, n)
	i, off := 0, 0
	for k, v := range h.All() {
		if decoded && dropDecoded(k) {
			continue
		}
		name := textproto.CanonicalMIMEHeaderKey(all[off : off+len(k)])
		off += len(k)
		vals[i] = all[off : off+len(v)]
		off += len(v)
		if prev, ok := out[name]; ok {
			out[name] = append(prev, vals[i])
		} else {
			out[name] = vals[i : i+1 : i+1]
		}
		i++
	}
	return out
}

func dropDecoded(name []byte) bool {
	return equalFoldBytes(name, "Content-Encoding") || equalFoldBytes(name, "Content-Length")
}

func equalFoldBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
