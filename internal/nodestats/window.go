package nodestats

import "time"

// WindowMinutes is how many minutes of per-minute counts a node keeps.
const WindowMinutes = 60

// Minute counts the outcomes completed in one minute.
type Minute struct {
	// T is the minute: Unix seconds / 60.
	T      int64  `json:"t"`
	Total  uint32 `json:"n"`
	Errors uint32 `json:"e"`
}

// minuteOf is t's minute number.
func minuteOf(t time.Time) int64 { return t.Unix() / 60 }

// addMinute counts one outcome at minute t into ms, which is sorted by T
// and holds at most WindowMinutes minutes ending at the newest one seen.
// An outcome older than that window is not counted here (it still counts
// in the totals).
func addMinute(ms []Minute, t int64, failed bool) []Minute {
	var newest int64
	if len(ms) > 0 {
		newest = ms[len(ms)-1].T
	}
	if t <= newest-WindowMinutes {
		return ms
	}
	i := len(ms)
	for i > 0 && ms[i-1].T > t {
		i--
	}
	if i == 0 || ms[i-1].T != t {
		ms = append(ms, Minute{})
		copy(ms[i+1:], ms[i:])
		ms[i] = Minute{T: t}
	} else {
		i--
	}
	ms[i].Total++
	if failed {
		ms[i].Errors++
	}
	return trimMinutes(ms)
}

// trimMinutes drops minutes older than the window ending at the newest.
func trimMinutes(ms []Minute) []Minute {
	if len(ms) == 0 {
		return ms
	}
	oldest := ms[len(ms)-1].T - WindowMinutes
	drop := 0
	for drop < len(ms) && ms[drop].T <= oldest {
		drop++
	}
	return append(ms[:0], ms[drop:]...)
}

// Window sums the minutes in (now-n, now]: n minutes ending with now's.
type Window struct {
	Minutes   int     `json:"minutes"`
	Total     uint64  `json:"total"`
	Errors    uint64  `json:"errors"`
	ErrorRate float64 `json:"error_rate"`
}

// window sums ms over the n minutes ending at minute now.
func window(ms []Minute, now int64, n int) Window {
	w := Window{Minutes: n}
	for _, m := range ms {
		if m.T > now-int64(n) && m.T <= now {
			w.Total += uint64(m.Total)
			w.Errors += uint64(m.Errors)
		}
	}
	if w.Total > 0 {
		w.ErrorRate = float64(w.Errors) / float64(w.Total)
	}
	return w
}

// errorSeries is the error count of each of the WindowMinutes minutes
// ending at minute now, oldest first.
func errorSeries(ms []Minute, now int64) []uint32 {
	out := make([]uint32, WindowMinutes)
	for _, m := range ms {
		if i := WindowMinutes - 1 - int(now-m.T); i >= 0 && i < WindowMinutes && m.T <= now {
			out[i] = m.Errors
		}
	}
	return out
}

// mergeMinutes adds b's minutes into a (both sorted), keeping the window.
func mergeMinutes(a, b []Minute) []Minute {
	out := make([]Minute, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || i < len(a) && a[i].T < b[j].T:
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j].T < a[i].T:
			out = append(out, b[j])
			j++
		default:
			out = append(out, Minute{T: a[i].T, Total: a[i].Total + b[j].Total, Errors: a[i].Errors + b[j].Errors})
			i, j = i+1, j+1
		}
	}
	return trimMinutes(out)
}
