package inspect

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// UIPrefix starts the paths of the page and the API; requests under it are
// not captured.
const UIPrefix = "/_inspect/"

// Defaults of Options.
const (
	DefaultCapacity = 500
	DefaultMaxBody  = 64 << 10
)

// Options configures a Catcher. The zero value is valid.
type Options struct {
	// Capacity is how many captures are kept; default DefaultCapacity.
	Capacity int
	// MaxBody is how many bytes of each body are kept; default
	// DefaultMaxBody.
	MaxBody int64
	// Response says how requests are answered.
	Response Response
	// MaskQuery masks every query value, not only credentials.
	MaskQuery bool
	// OnCapture, when set, is called with every capture as soon as it is
	// recorded (before the answer's delay), from the request's goroutine:
	// it must be safe for concurrent use.
	OnCapture func(Capture)
	// OnGiveUp, when set, is called with a capture whose client went away
	// before its delayed answer, from the request's goroutine.
	OnGiveUp func(Capture)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Catcher records the requests it receives and answers them as configured.
// It is an http.Handler, safe for concurrent use by multiple goroutines.
type Catcher struct {
	opts  Options
	resp  Response
	ring  *ring
	count atomic.Int64 // requests received since the last reset, for the failure pattern
	ui    http.Handler
}

// New returns a Catcher for opts. It fails, naming the field, when
// opts.Response is invalid or a limit is negative.
func New(opts Options) (*Catcher, error) {
	if err := opts.Response.Validate(); err != nil {
		return nil, err
	}
	if opts.Capacity < 0 || opts.MaxBody < 0 {
		return nil, errors.New("inspect: capacity and max body must not be negative")
	}
	if opts.Capacity == 0 {
		opts.Capacity = DefaultCapacity
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Catcher{opts: opts, resp: opts.Response.withDefaults(), ring: newRing(opts.Capacity)}
	c.ui = c.uiHandler()
	return c, nil
}

// ServeHTTP serves the page and the API under UIPrefix and captures every
// other request, except what a browser asks for by itself: its icon, and
// the root when opened as a page (GET / accepting HTML), which leads to the
// page instead.
func (c *Catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path+"/" == UIPrefix || strings.HasPrefix(r.URL.Path, UIPrefix):
		c.ui.ServeHTTP(w, r)
	case r.URL.Path == "/favicon.ico" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		http.NotFound(w, r)
	case r.URL.Path == "/" && r.URL.RawQuery == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		strings.Contains(r.Header.Get("Accept"), "text/html"):
		http.Redirect(w, r, UIPrefix, http.StatusFound)
	default:
		c.catch(w, r)
	}
}

// catch records r, waits the configured delay and answers it.
func (c *Catcher) catch(w http.ResponseWriter, r *http.Request) {
	n := c.count.Add(1)
	a := c.resp.answerFor(n)
	cp := capture(r, c.opts.Now(), c.opts.MaxBody, c.opts.MaskQuery)
	cp.Status, cp.Failed = a.status, a.failed
	if c.resp.Delay > 0 {
		cp.Pending, cp.DelayMS = true, ms(c.resp.Delay)
	}
	cp.Seq = c.ring.add(cp)
	if c.opts.OnCapture != nil {
		c.opts.OnCapture(cp)
	}
	if !wait(r, c.resp.Delay) {
		gone, ok := c.ring.update(cp.Seq, func(k *Capture) {
			k.Pending, k.GaveUp, k.GaveUpAfterMS = false, true, ms(c.opts.Now().Sub(k.Time))
		})
		if ok && c.opts.OnGiveUp != nil {
			c.opts.OnGiveUp(gone)
		}
		return
	}
	if c.resp.Delay > 0 {
		c.ring.update(cp.Seq, func(k *Capture) { k.Pending = false })
	}
	if a.close {
		dropConnection(w)
		return
	}
	w.Header().Set("Content-Type", c.contentType(a.body))
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

// wait waits d, or until the client goes away (then false).
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// ms is d in milliseconds, to a tenth.
func ms(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Millisecond)
}

// dropConnection closes the client's connection without an answer; where
// the connection cannot be taken over (HTTP/2), it aborts the handler.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func (c *Catcher) contentType(body string) string {
	if c.resp.ContentType != "" {
		return c.resp.ContentType
	}
	if json.Valid([]byte(body)) {
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}

// Requests returns the kept captures with Seq greater than after, newest
// first, and the Seq of the newest capture ever recorded.
func (c *Catcher) Requests(after int64) ([]Capture, int64) { return c.ring.since(after) }

// Reset forgets every capture and restarts the failure pattern's count;
// sequence numbers keep growing.
func (c *Catcher) Reset() {
	c.ring.reset()
	c.count.Store(0)
}
