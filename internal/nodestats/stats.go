package nodestats

import (
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Version is the stored format's version.
const Version = 1

// Stats is one node's stored value: everything counted from its outcomes.
// It never holds profile ids, query strings or header values: only the
// outcome's route, reason, status, duration, attempts, time and detail
// (which the outcome contract keeps free of personal data).
type Stats struct {
	Version int    `json:"v"`
	Account string `json:"account"`
	FlowID  string `json:"flow_id"`
	NodeID  string `json:"node_id"`
	// AppliedSeq is the outcome stream sequence of the last outcome counted:
	// an outcome at or below it is already in these numbers.
	AppliedSeq uint64 `json:"applied_seq"`
	// Total counts the profiles that passed through the node (one outcome
	// each); Errors those whose response did not match (Success false),
	// which went down the node's error path.
	Total  uint64 `json:"total"`
	Errors uint64 `json:"errors"`
	// Routes and Reasons count outcomes by route and by reason.
	Routes  map[flowevent.Route]uint64  `json:"routes,omitempty"`
	Reasons map[flowevent.Reason]uint64 `json:"reasons,omitempty"`
	// Retries counts HTTP attempts beyond the first.
	Retries uint64 `json:"retries"`
	// Latency holds the durations of outcomes that sent a request.
	Latency Histogram `json:"latency"`
	// LastError is the most recent failed outcome, by completion time.
	LastError *LastError `json:"last_error,omitempty"`
	// FirstAt and LastAt bound the completion times seen.
	FirstAt time.Time `json:"first_at"`
	LastAt  time.Time `json:"last_at"`
	// Minutes are per-minute counts over the last WindowMinutes minutes
	// (of outcome completion time), oldest first.
	Minutes []Minute `json:"minutes,omitempty"`
	// Rejected, when set, says that the endpoint (or the token endpoint)
	// is rejecting the node's credentials: since the first rejection after
	// the last response that accepted them, and how many times. It is
	// cleared by a later outcome whose response accepted them (see
	// flowevent.CredentialsAccepted).
	Rejected *Rejection `json:"credentials_rejected,omitempty"`
}

// Rejection is a run of outcomes whose credentials were rejected
// (flowevent.CredentialsRejected): reason auth_failed, or token_failed
// refused by the token endpoint.
type Rejection struct {
	// Since is the completion time of the run's first rejection; Last of
	// its latest.
	Since time.Time `json:"since"`
	Last  time.Time `json:"last_at"`
	// Times counts the rejections of the run.
	Times uint64 `json:"times"`
	// Nodes, in a flow's or an account's total, is how many of its nodes
	// have their credentials rejected (0 for one node).
	Nodes int `json:"nodes,omitempty"`
}

// LastError describes a node's most recent failed outcome.
type LastError struct {
	Reason flowevent.Reason `json:"reason"`
	Detail string           `json:"detail,omitempty"`
	Status int              `json:"status,omitempty"`
	At     time.Time        `json:"at"`
}

// newStats returns the empty stats of o's node.
func newStats(o flowevent.Outcome) *Stats {
	return &Stats{Version: Version, Account: o.Account, FlowID: o.FlowID, NodeID: o.NodeID}
}

// Apply counts o, stored at outcome stream sequence seq, and reports
// whether it did: an outcome at or below AppliedSeq is skipped.
func (s *Stats) Apply(seq uint64, o flowevent.Outcome) bool {
	if seq <= s.AppliedSeq {
		return false
	}
	s.AppliedSeq = seq
	s.Total++
	failed := !o.Success
	if failed {
		s.Errors++
	}
	if s.Routes == nil {
		s.Routes = map[flowevent.Route]uint64{}
	}
	if s.Reasons == nil {
		s.Reasons = map[flowevent.Reason]uint64{}
	}
	s.Routes[o.Route]++
	s.Reasons[o.Reason]++
	if o.Attempts > 1 {
		s.Retries += uint64(o.Attempts - 1)
	}
	if o.Attempts > 0 {
		s.Latency.Observe(o.DurationMS)
	}
	at := o.CompletedAt.UTC()
	if failed && (s.LastError == nil || !at.Before(s.LastError.At)) {
		s.LastError = &LastError{Reason: o.Reason, Detail: o.Detail, Status: o.Status, At: at}
	}
	if s.FirstAt.IsZero() || at.Before(s.FirstAt) {
		s.FirstAt = at
	}
	if at.After(s.LastAt) {
		s.LastAt = at
	}
	s.Minutes = addMinute(s.Minutes, minuteOf(at), failed)
	s.credentials(o.Reason, o.Status, at)
	return true
}

// credentials starts, extends or ends the node's run of credential
// rejections. Outcomes are counted in stream order, which replicas make
// only roughly time-ordered: an acceptance older than the run's start
// does not end it.
func (s *Stats) credentials(reason flowevent.Reason, status int, at time.Time) {
	r := s.Rejected
	switch {
	case flowevent.CredentialsRejected(reason, status):
		if r == nil {
			s.Rejected = &Rejection{Since: at, Last: at, Times: 1}
			return
		}
		r.Times++
		if at.Before(r.Since) {
			r.Since = at
		}
		if at.After(r.Last) {
			r.Last = at
		}
	case r != nil && flowevent.CredentialsAccepted(reason) && !at.Before(r.Since):
		s.Rejected = nil
	}
}

// Merge adds o's counts into s (for flow and account totals). The ids and
// AppliedSeq of s are kept.
func (s *Stats) Merge(o *Stats) {
	s.Total += o.Total
	s.Errors += o.Errors
	s.Retries += o.Retries
	s.Routes = mergeCounts(s.Routes, o.Routes)
	s.Reasons = mergeCounts(s.Reasons, o.Reasons)
	s.Latency.Merge(o.Latency)
	if o.LastError != nil && (s.LastError == nil || o.LastError.At.After(s.LastError.At)) {
		le := *o.LastError
		s.LastError = &le
	}
	if !o.FirstAt.IsZero() && (s.FirstAt.IsZero() || o.FirstAt.Before(s.FirstAt)) {
		s.FirstAt = o.FirstAt
	}
	if o.LastAt.After(s.LastAt) {
		s.LastAt = o.LastAt
	}
	s.Minutes = mergeMinutes(s.Minutes, o.Minutes)
	s.Rejected = mergeRejections(s.Rejected, o.Rejected)
}

// mergeRejections adds o's run into r for a total: the earliest start,
// the latest rejection, the times summed, the nodes counted.
func mergeRejections(r, o *Rejection) *Rejection {
	if o == nil {
		return r
	}
	nodes := max(o.Nodes, 1)
	if r == nil {
		return &Rejection{Since: o.Since, Last: o.Last, Times: o.Times, Nodes: nodes}
	}
	m := *r
	if o.Since.Before(m.Since) {
		m.Since = o.Since
	}
	if o.Last.After(m.Last) {
		m.Last = o.Last
	}
	m.Times += o.Times
	m.Nodes += nodes
	return &m
}

func mergeCounts[K comparable](dst, src map[K]uint64) map[K]uint64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[K]uint64, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}
