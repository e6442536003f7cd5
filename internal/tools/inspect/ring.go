package inspect

import "sync"

// ring keeps the newest captures, up to its capacity. Every capture added
// or changed gets the next revision, so that a page can ask for what
// changed since it last looked. It is safe for concurrent use.
type ring struct {
	mu    sync.Mutex
	buf   []Capture // circular; next is where the next capture goes
	next  int
	full  bool
	seq   int64 // seq of the newest capture ever added
	rev   int64 // newest revision ever given
	clear int64 // captures with seq <= clear were forgotten
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]Capture, capacity)}
}

// add assigns c the next sequence number and revision, stores it (evicting
// the oldest capture when full) and returns the number.
func (r *ring) add(c Capture) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.rev++
	c.Seq, c.rev = r.seq, r.rev
	r.buf[r.next] = c
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	return c.Seq
}

// update changes the capture seq, if still kept, with change, gives it the
// next revision and returns it.
func (r *ring) update(seq int64, change func(*Capture)) (Capture, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.buf {
		if c := &r.buf[i]; c.Seq == seq && seq > r.clear {
			change(c)
			r.rev++
			c.rev = r.rev
			return *c, true
		}
	}
	return Capture{}, false
}

// since returns the kept captures with Seq > after, newest first, and the
// seq of the newest capture ever added.
func (r *ring) since(after int64) ([]Capture, int64) {
	out, _ := r.collect(func(c *Capture) bool { return c.Seq > after })
	r.mu.Lock()
	defer r.mu.Unlock()
	return out, r.seq
}

// changedSince returns the kept captures added or changed after revision
// rev, newest first, and the newest revision.
func (r *ring) changedSince(rev int64) ([]Capture, int64) {
	return r.collect(func(c *Capture) bool { return c.rev > rev })
}

// collect returns the kept captures for which keep holds, newest first,
// and the newest revision.
func (r *ring) collect(keep func(*Capture) bool) ([]Capture, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	var out []Capture
	for i := 1; i <= n; i++ {
		c := r.buf[(r.next-i+len(r.buf))%len(r.buf)]
		if c.Seq <= r.clear {
			break
		}
		if keep(&c) {
			out = append(out, c)
		}
	}
	return out, r.rev
}

// reset forgets every capture; sequence numbers and revisions keep
// growing.
func (r *ring) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.buf)
	r.next, r.full, r.clear = 0, false, r.seq
}
