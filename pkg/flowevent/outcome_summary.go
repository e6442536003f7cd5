package flowevent

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HeaderSummary carries, on every outcome event flowhook publishes, the
// outcome's summary (see OutcomeSummary): what a subscriber needs to count
// or route outcomes without decoding the event. Node stats read outcomes
// headers-only, through it.
const HeaderSummary = "Flowhook-Summary"

// OutcomeSummary is the part of an outcome carried in its HeaderSummary
// header. Like the outcome itself it holds no personal data: ids, the
// route and reason, the status, the attempts, the duration, the time and
// the detail (which is free of personal data by contract).
type OutcomeSummary struct {
	FlowID      string
	NodeID      string
	Route       Route
	Reason      Reason
	Success     bool
	Status      int
	Attempts    int
	DurationMS  float64
	CompletedAt time.Time
	Detail      string
}

// Summary returns o's summary.
func (o Outcome) Summary() OutcomeSummary {
	return OutcomeSummary{
		FlowID: o.FlowID, NodeID: o.NodeID, Route: o.Route, Reason: o.Reason, Success: o.Success,
		Status: o.Status, Attempts: o.Attempts, DurationMS: o.DurationMS, CompletedAt: o.CompletedAt, Detail: o.Detail,
	}
}

// Encode writes s in the header's form, a URL query:
//
//	v=1&flow=F&node=N&route=yes&reason=matched&ok=1&status=200&attempts=1&ms=12.5&at=UNIX_NANOS[&detail=D]
//
// Values are query-escaped; at is the completion time in Unix
// nanoseconds, left out when unknown (zero), as is an empty detail. Readers ignore keys they do
// not know.
func (s OutcomeSummary) Encode() string {
	var b strings.Builder
	b.Grow(128 + len(s.FlowID) + len(s.NodeID) + len(s.Detail))
	b.WriteString("v=1&flow=")
	b.WriteString(url.QueryEscape(s.FlowID))
	b.WriteString("&node=")
	b.WriteString(url.QueryEscape(s.NodeID))
	b.WriteString("&route=")
	b.WriteString(url.QueryEscape(string(s.Route)))
	b.WriteString("&reason=")
	b.WriteString(url.QueryEscape(string(s.Reason)))
	if s.Success {
		b.WriteString("&ok=1")
	} else {
		b.WriteString("&ok=0")
	}
	var num [32]byte
	b.WriteString("&status=")
	b.Write(strconv.AppendInt(num[:0], int64(s.Status), 10))
	b.WriteString("&attempts=")
	b.Write(strconv.AppendInt(num[:0], int64(s.Attempts), 10))
	b.WriteString("&ms=")
	b.Write(strconv.AppendFloat(num[:0], s.DurationMS, 'f', -1, 64))
	if !s.CompletedAt.IsZero() {
		b.WriteString("&at=")
		b.Write(strconv.AppendInt(num[:0], s.CompletedAt.UnixNano(), 10))
	}
	if s.Detail != "" {
		b.WriteString("&detail=")
		b.WriteString(url.QueryEscape(s.Detail))
	}
	return b.String()
}

// ParseOutcomeSummary reads a HeaderSummary value written by Encode. It
// requires version 1 and a valid route, and a reason; unknown keys are
// ignored.
func ParseOutcomeSummary(v string) (OutcomeSummary, error) {
	var (
		s       OutcomeSummary
		version bool
	)
	for v != "" {
		var pair string
		pair, v, _ = strings.Cut(v, "&")
		key, raw, _ := strings.Cut(pair, "=")
		val, err := url.QueryUnescape(raw)
		if err != nil {
			return OutcomeSummary{}, errSummary
		}
		switch key {
		case "v":
			version = val == "1"
		case "flow":
			s.FlowID = val
		case "node":
			s.NodeID = val
		case "route":
			s.Route = Route(val)
		case "reason":
			s.Reason = Reason(val)
		case "ok":
			s.Success = val == "1"
		case "status":
			s.Status, err = strconv.Atoi(val)
		case "attempts":
			s.Attempts, err = strconv.Atoi(val)
		case "ms":
			s.DurationMS, err = strconv.ParseFloat(val, 64)
		case "at":
			var ns int64
			ns, err = strconv.ParseInt(val, 10, 64)
			s.CompletedAt = time.Unix(0, ns).UTC()
		case "detail":
			s.Detail = val
		}
		if err != nil {
			return OutcomeSummary{}, errSummary
		}
	}
	if !version || !s.Route.Valid() || s.Reason == "" {
		return OutcomeSummary{}, errSummary
	}
	return s, nil
}
