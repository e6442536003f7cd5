package dispatch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// tryResult is how one try of a request event ended.
type tryResult struct {
	// out is the outcome were this try the last: route, reason, detail,
	// status and duration of this try alone.
	out flowevent.Outcome
	// handBack: shutdown interrupted the try; hand the event back.
	handBack bool
	// sent: an HTTP request went out; sends counts them (2 when an OAuth
	// 2.0 node sent again with a new token after a 401).
	sent  bool
	sends int
	// tokenRetryable: a token_failed try whose token endpoint failure
	// may pass by itself (no answer, 408, 429, 5xx).
	tokenRetryable bool
	// refused: the endpoint's breaker refused the try; openUntil is when
	// it stops being open (zero: half-open, its probe slots taken).
	refused   bool
	openUntil time.Time
	// throttled: the endpoint was at its limit; nothing was sent and the
	// try does not count. throttleAt is when to come back.
	throttled  bool
	throttleAt time.Time
	// retryAfter is the response's Retry-After header, if any.
	retryAfter string
	// origin is the endpoint's breaker key (for logs).
	origin string
}

// next is what follows a try that is not the last: the scheduled copy's
// state and when it is due.
type next struct {
	state    deliveryState
	at       time.Time
	hold     bool
	throttle bool // waiting for room at the endpoint (see park)
}

// plan decides what follows a try: another try later (a retry, or a hold
// while the breaker is open), or the final outcome. Only nodes that opted
// in to a policy ever get another try.
func (d *Dispatcher) plan(node flowevent.NodeConfig, st deliveryState, r tryResult, now time.Time) (*next, flowevent.Outcome) {
	st.first = st.firstTry(now)
	st.spentMS += r.out.DurationMS
	if r.sent {
		st.sent += max(r.sends, 1)
	}
	out := r.out
	out.Attempts, out.DurationMS = st.sent, st.spentMS
	if out.Success {
		return nil, out
	}
	if r.refused && node.Hold != nil {
		if at, ok := d.holdUntil(r.openUntil, st.first.Add(node.Hold.MaxWait()), now); ok {
			st.holds++
			st.lastReason = out.Reason
			return &next{state: st, at: at, hold: true}, out
		}
		out.Detail += fmt.Sprintf("; held %d times over %s, hold limit reached", st.holds, since(st.first, now))
	}
	if node.Retry == nil || !retryable(r) {
		return nil, out
	}
	st.tries++
	p := *node.Retry
	if st.tries >= p.MaxAttempts {
		out.Detail += fmt.Sprintf("; %d tries, none left", st.tries)
		return nil, out
	}
	at := now.Add(backoff(p, st.tries))
	if ra, ok := parseRetryAfter(r.retryAfter, now); ok && ra.After(at) {
		at = ra
	}
	if r.refused && r.openUntil.After(at) {
		// No point trying before the breaker lets a probe through; spread
		// the wake-ups as for held events.
		at = r.openUntil.Add(time.Duration(rand.Int64N(int64(d.cfg.HoldSpread) + 1)))
	}
	if at.After(st.first.Add(p.Deadline())) {
		out.Detail += fmt.Sprintf("; %d tries over %s, retry deadline reached", st.tries, since(st.first, now))
		return nil, out
	}
	st.lastReason = out.Reason
	return &next{state: st, at: at}, out
}

// retryable reports whether a failed try may be retried: an open breaker,
// a timeout or connection error, a status that says "later", or a token
// endpoint failure that may pass.
func retryable(r tryResult) bool {
	if r.refused {
		return true
	}
	switch r.out.Reason {
	case flowevent.ReasonTimeout, flowevent.ReasonConnectionError:
		return true
	case flowevent.ReasonTokenFailed:
		return r.tokenRetryable
	case flowevent.ReasonStatusMismatch, flowevent.ReasonBodyMismatch:
		return retryableStatus(r.out.Status)
	}
	return false
}

// retryableStatus reports whether an HTTP status is worth a retry: 408,
// 425, 429 and 5xx other than 501 (never implemented) and 505.
func retryableStatus(s int) bool {
	switch s {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	case http.StatusNotImplemented, http.StatusHTTPVersionNotSupported:
		return false
	}
	return s >= 500 && s <= 599
}

// backoff is the delay after the n-th try (n >= 1): the initial delay
// grown by the multiplier n-1 times, capped, minus a random share of at
// most the jitter fraction.
func backoff(p flowevent.RetryPolicy, n int) time.Duration {
	d := float64(p.InitialDelay()) * math.Pow(p.Growth(), float64(n-1))
	d = min(d, float64(p.MaxDelay()))
	d -= d * p.JitterFraction() * rand.Float64()
	return time.Duration(d)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date. It reports false for an absent or malformed value.
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return now.Add(time.Duration(secs) * time.Second), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// since renders the time from t to now for details, to the millisecond.
func since(t, now time.Time) time.Duration { return now.Sub(t).Round(time.Millisecond) }
