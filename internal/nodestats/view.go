package nodestats

import (
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// RecentMinutes is the window in which an error spike is judged.
const RecentMinutes = 5

// Spike thresholds: a node is in an error spike when, in the last
// RecentMinutes minutes, at least SpikeMinErrors profiles went down its
// error path and its error rate there is at least SpikeRate, or at least
// SpikeRise above its rate in the rest of the hour.
const (
	SpikeMinErrors = 5
	SpikeRate      = 0.5
	SpikeRise      = 0.25
)

// View is a node's stats as operators and marketers read them: the stored
// counts plus what they mean at a given time.
type View struct {
	Account string `json:"account"`
	FlowID  string `json:"flow_id,omitempty"`
	NodeID  string `json:"node_id,omitempty"`
	// Nodes is how many nodes a flow or account total adds up (0 for one node).
	Nodes          int                         `json:"nodes,omitempty"`
	Total          uint64                      `json:"passed_through"`
	Errors         uint64                      `json:"errors"`
	ErrorRate      float64                     `json:"error_rate"`
	Routes         map[flowevent.Route]uint64  `json:"routes"`
	Reasons        map[flowevent.Reason]uint64 `json:"reasons"`
	Retries        uint64                      `json:"retries"`
	Latency        Latency                     `json:"latency_ms"`
	LastError      *LastError                  `json:"last_error,omitempty"`
	LastAt         time.Time                   `json:"last_at,omitzero"`
	Hour           Window                      `json:"last_hour"`
	Recent         Window                      `json:"recent"`
	Spike          bool                        `json:"spike"`
	ErrorsByMinute []uint32                    `json:"errors_per_minute"`
	// CredentialsRejected, when set, flags a node whose endpoint (or token
	// endpoint) has been rejecting its credentials since a time, so many
	// times, with no accepted response since: "credentials rejected
	// since <since>, <times> times". In a total, Nodes says how many nodes
	// are flagged.
	CredentialsRejected *Rejection `json:"credentials_rejected,omitempty"`
}

// Latency are request duration percentiles in milliseconds.
type Latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
}

// ViewOf describes s at time now.
func ViewOf(s *Stats, now time.Time) View {
	nowMin := minuteOf(now)
	v := View{
		Account: s.Account, FlowID: s.FlowID, NodeID: s.NodeID,
		Total: s.Total, Errors: s.Errors, Routes: s.Routes, Reasons: s.Reasons,
		Retries: s.Retries, LastError: s.LastError, LastAt: s.LastAt,
		Latency:        Latency{Count: s.Latency.Count(), P50: s.Latency.Quantile(.5), P90: s.Latency.Quantile(.9), P99: s.Latency.Quantile(.99)},
		Hour:           window(s.Minutes, nowMin, WindowMinutes),
		Recent:         window(s.Minutes, nowMin, RecentMinutes),
		ErrorsByMinute: errorSeries(s.Minutes, nowMin),
	}
	if s.Rejected != nil {
		r := *s.Rejected
		v.CredentialsRejected = &r
	}
	if v.Routes == nil {
		v.Routes = map[flowevent.Route]uint64{}
	}
	if v.Reasons == nil {
		v.Reasons = map[flowevent.Reason]uint64{}
	}
	if s.Total > 0 {
		v.ErrorRate = float64(s.Errors) / float64(s.Total)
	}
	v.Spike = spike(s.Minutes, nowMin)
	return v
}

// spike applies the spike rule at minute now.
func spike(ms []Minute, now int64) bool {
	recent := window(ms, now, RecentMinutes)
	if recent.Errors < SpikeMinErrors {
		return false
	}
	if recent.ErrorRate >= SpikeRate {
		return true
	}
	hour := window(ms, now, WindowMinutes)
	before := Window{Total: hour.Total - recent.Total, Errors: hour.Errors - recent.Errors}
	base := 0.0
	if before.Total > 0 {
		base = float64(before.Errors) / float64(before.Total)
	}
	return recent.ErrorRate-base >= SpikeRise
}

// Total adds up stats into one View (a flow's or an account's), with
// Nodes set to how many were added.
func Total(account, flowID string, stats []*Stats, now time.Time) View {
	sum := &Stats{Account: account, FlowID: flowID}
	for _, s := range stats {
		sum.Merge(s)
	}
	v := ViewOf(sum, now)
	v.Nodes = len(stats)
	return v
}
