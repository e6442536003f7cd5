package inspect

import "sync"

// ring keeps the newest captures, up to its capacity. It is safe for
// concurrent use.
type ring struct {
	mu    sync.Mutex
	buf   []Capture // circular; next is where the next capture goes
	next  int
	full  bool
	seq   int64 // seq of the newest capture ever added
	clear int64 // captures with seq <= clear were forgotten
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]Capture, capacity)}
}

// add assigns c the next sequence number, stores it (evicting the oldest
// capture when full) and returns the number.
func (r *ring) add(c Capture) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	c.Seq = r.seq
	r.buf[r.next] = c
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	return c.Seq
}

// since returns the kept captures with Seq > after, newest first, and the
// seq of the newest capture ever added.
func (r *ring) since(after int64) ([]Capture, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	var out []Capture
	for i := 1; i <= n; i++ {
		c := r.buf[(r.next-i+len(r.buf))%len(r.buf)]
		if c.Seq <= after || c.Seq <= r.clear {
			break
		}
		out = append(out, c)
	}
	return out, r.seq
}

// reset forgets every capture; sequence numbers keep growing.
func (r *ring) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.buf)
	r.next, r.full, r.clear = 0, false, r.seq
}
