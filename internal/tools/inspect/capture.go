package inspect

import (
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Capture is one recorded request, with credentials already masked.
type Capture struct {
	// Seq numbers captures from 1, in arrival order.
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Remote is the client's address.
	Remote string `json:"remote"`
	Method string `json:"method"`
	// Path is the escaped path, without the query.
	Path string `json:"path"`
	// Query holds the query parameters in the order sent, decoded.
	Query []Field `json:"query"`
	// Headers are sorted by name, one Field per value; Host is included.
	Headers []Field `json:"headers"`
	// Body is the request body up to Options.MaxBody bytes, as text
	// (invalid UTF-8 replaced).
	Body string `json:"body"`
	// BodyBytes is the body's full length; BodyTruncated reports that only
	// its first MaxBody bytes were kept.
	BodyBytes     int64 `json:"body_bytes"`
	BodyTruncated bool  `json:"body_truncated,omitempty"`
	// Status is the status the catcher answered with (0 when it dropped the
	// connection); Failed reports that the failure pattern chose it.
	Status int  `json:"status"`
	Failed bool `json:"failed,omitempty"`
	// Pending reports an answer still waiting for its --delay.
	Pending bool `json:"pending,omitempty"`
	// GaveUp reports that the client went away before the delayed answer
	// (a sender's timeout shorter than the delay): nothing was answered.
	// GaveUpAfterMS is how long after arriving it went.
	GaveUp        bool    `json:"client_gave_up,omitempty"`
	GaveUpAfterMS float64 `json:"gave_up_after_ms,omitempty"`
	// Delay is the delay the answer waited for (or was to wait for).
	DelayMS float64 `json:"delay_ms,omitempty"`

	rev int64 // revision in the ring: raised by every change
}

// capture reads r into a Capture (without Seq and the answer), reading at
// most maxBody bytes of body and discarding the rest.
func capture(r *http.Request, now time.Time, maxBody int64, maskAllQuery bool) Capture {
	c := Capture{
		Time:    now,
		Remote:  r.RemoteAddr,
		Method:  r.Method,
		Path:    r.URL.EscapedPath(),
		Query:   ParseQuery(r.URL.RawQuery),
		Headers: headerFields(r),
	}
	maskQuery(c.Query, maskAllQuery)
	c.Body, c.BodyBytes, c.BodyTruncated = readBody(r.Body, maxBody)
	return c
}

// headerFields lists r's headers (Host first among them, sorted by name)
// with credentials masked.
func headerFields(r *http.Request) []Field {
	names := make([]string, 0, len(r.Header)+1)
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	fields := make([]Field, 0, len(names)+1)
	if r.Host != "" {
		fields = append(fields, Field{Name: "Host", Value: r.Host})
	}
	for _, name := range names {
		for _, v := range r.Header[name] {
			shown, masked := maskHeader(name, v)
			fields = append(fields, Field{Name: name, Value: shown, Masked: masked})
		}
	}
	return fields
}

// readBody reads up to limit bytes of body as text and drains the rest,
// counting it, up to a hard cap past which the remainder is left unread.
func readBody(body io.Reader, limit int64) (string, int64, bool) {
	if body == nil {
		return "", 0, false
	}
	buf, _ := io.ReadAll(io.LimitReader(body, limit))
	rest, _ := io.Copy(io.Discard, io.LimitReader(body, drainCap))
	text := string(buf)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return text, int64(len(buf)) + rest, rest > 0
}

// drainCap bounds how much of an oversized body is read and thrown away.
const drainCap = 16 << 20
