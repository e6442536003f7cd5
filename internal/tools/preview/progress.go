package preview

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress shows how far a batch (sends, publishes) has got. On a
// terminal it rewrites one line in place, at most every RedrawEvery;
// elsewhere (a log, a pipe) it prints a line at every tenth of the total.
// It is safe for concurrent use.
type Progress struct {
	mu          sync.Mutex
	w           io.Writer
	label       string
	total       int
	tty         bool
	now         func() time.Time
	start, last time.Time
	done        int
	counts      map[string]int
	order       []string
	lastTenth   int
}

// RedrawEvery bounds how often a terminal progress line is redrawn.
const RedrawEvery = 100 * time.Millisecond

// NewProgress returns a Progress of total items labelled label ("sent",
// "published"), writing to w; tty says whether w is a terminal. now is the
// clock (nil: time.Now).
func NewProgress(w io.Writer, label string, total int, tty bool, now func() time.Time) *Progress {
	if now == nil {
		now = time.Now
	}
	return &Progress{w: w, label: label, total: total, tty: tty, now: now, start: now(), counts: map[string]int{}}
}

// Add counts one finished item under a category ("yes", "no", "error", or
// "" for none) and redraws when due.
func (p *Progress) Add(category string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if category != "" {
		if _, ok := p.counts[category]; !ok {
			p.order = append(p.order, category)
		}
		p.counts[category]++
	}
	now := p.now()
	switch {
	case p.tty && (now.Sub(p.last) >= RedrawEvery || p.done == p.total):
		p.last = now
		fmt.Fprintf(p.w, "\r\033[K%s", p.line(now))
	case !p.tty && p.total > 0 && p.done*10/p.total > p.lastTenth:
		p.lastTenth = p.done * 10 / p.total
		fmt.Fprintln(p.w, p.line(now))
	}
}

// Finish ends the display: on a terminal, the line is completed.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s\n", p.line(p.now()))
	}
}

// Summary is the final counts, e.g. "sent 100/100 in 1.2s (yes 90, no 10)".
func (p *Progress) Summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.line(p.now())
}

func (p *Progress) line(now time.Time) string {
	s := fmt.Sprintf("%s %d/%d in %s", p.label, p.done, p.total, now.Sub(p.start).Round(time.Millisecond))
	if elapsed := now.Sub(p.start).Seconds(); elapsed > 0 && p.done > 0 {
		s += fmt.Sprintf(", %.0f/s", float64(p.done)/elapsed)
	}
	if len(p.order) > 0 {
		s += " ("
		for i, c := range p.order {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%s %d", c, p.counts[c])
		}
		s += ")"
	}
	return s
}
