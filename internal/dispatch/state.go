package dispatch

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Headers flowhook sets on the scheduled copies of a request event
// (retries and holds). They travel with the message on the bus, so the
// attempt count and the deadline survive any replica. The copy's payload,
// and so its CloudEvent id, outcome id and idempotency key, are the
// original's, byte for byte.
const (
	// HeaderAttempt is the number of tries made so far: requests sent and
	// tries refused by an open breaker (a hold is not a try).
	HeaderAttempt = "Flowhook-Attempt"
	// HeaderSent is the number of HTTP requests sent so far.
	HeaderSent = "Flowhook-Sent"
	// HeaderHolds is the number of times the event was held while its
	// endpoint's breaker was open.
	HeaderHolds = "Flowhook-Holds"
	// HeaderFirstAttempt is when flowhook first took the event up
	// (RFC 3339): retry deadlines and hold limits count from it.
	HeaderFirstAttempt = "Flowhook-First-Attempt"
	// HeaderSpentMS is the time spent in requests so far, in milliseconds.
	HeaderSpentMS = "Flowhook-Spent-MS"
	// HeaderLastReason is the outcome reason of the last failed try.
	HeaderLastReason = "Flowhook-Last-Reason"
)

// maxStateCount bounds the counters read from headers, which anyone who
// may publish request events could set.
const maxStateCount = 1000

// deliveryState is what earlier tries of a request event left on its
// scheduled copy. The zero value is a request event's first delivery.
type deliveryState struct {
	tries, sent, holds int
	// throttles counts the waits for room at the endpoint (see park); it
	// only keeps the schedules' ids distinct, so its bound is loose.
	throttles int
	// first is when the first try started; zero before it.
	first      time.Time
	spentMS    float64
	lastReason flowevent.Reason
}

// readState reads the delivery state of a message. Malformed or
// implausible values are ignored, and a first-try time in the future is
// taken as now, so that a crafted header cannot extend a deadline.
func readState(h nats.Header, now time.Time) deliveryState {
	var s deliveryState
	if len(h) == 0 {
		return s
	}
	// Absent headers are skipped before parsing: the parsers' errors
	// allocate, and a first delivery carries none of these headers.
	s.tries = headerCount(h, HeaderAttempt)
	s.sent = headerCount(h, HeaderSent)
	s.holds = headerCount(h, HeaderHolds)
	if v := headerValue(h, HeaderThrottled); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 1<<30 {
			s.throttles = n
		}
	}
	if v := headerValue(h, HeaderFirstAttempt); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			if t.After(now) {
				t = now
			}
			s.first = t
		}
	}
	if v := headerValue(h, HeaderSpentMS); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e9 {
			s.spentMS = f
		}
	}
	if r := headerValue(h, HeaderLastReason); r != "" && len(r) <= 64 {
		s.lastReason = flowevent.Reason(r)
	}
	return s
}

// scheduled reports whether the message is a scheduled copy (a retry or
// a hold) rather than the request event as the flow engine published it.
func (s deliveryState) scheduled() bool { return !s.first.IsZero() }

// firstTry is when the first try started, now for a first delivery.
func (s deliveryState) firstTry(now time.Time) time.Time {
	if s.first.IsZero() {
		return now
	}
	return s.first
}

// write sets the state's headers on h.
func (s deliveryState) write(h nats.Header) {
	h[HeaderAttempt] = []string{strconv.Itoa(s.tries)}
	h[HeaderSent] = []string{strconv.Itoa(s.sent)}
	h[HeaderHolds] = []string{strconv.Itoa(s.holds)}
	h[HeaderFirstAttempt] = []string{s.first.UTC().Format(time.RFC3339Nano)}
	h[HeaderSpentMS] = []string{strconv.FormatFloat(s.spentMS, 'f', 3, 64)}
	if s.lastReason != "" {
		h[HeaderLastReason] = []string{string(s.lastReason)}
	}
	if s.throttles > 0 {
		h[HeaderThrottled] = []string{strconv.Itoa(s.throttles)}
	}
}

// headerValue returns the first value of key (as written by write).
func headerValue(h nats.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// headerCount reads a counter header: 0 when absent or implausible.
func headerCount(h nats.Header, key string) int {
	v := headerValue(h, key)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxStateCount {
		return 0
	}
	return n
}
