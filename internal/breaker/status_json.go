package breaker

import (
	"encoding/json"
	"time"
)

// statusJSON is the JSON form of a Status, as GET /v1/breakers on the
// admin port answers it (documented in the README).
type statusJSON struct {
	Account string `json:"account"`
	Origin  string `json:"origin"`
	// State is "closed", "half-open" or "open".
	State string `json:"state"`
	// OpenUntil is set only while the breaker is open.
	OpenUntil *time.Time `json:"open_until,omitempty"`
	// The counts of the current state (closed: the current Interval).
	Requests             uint32 `json:"requests"`
	Successes            uint32 `json:"successes"`
	Failures             uint32 `json:"failures"`
	ConsecutiveSuccesses uint32 `json:"consecutive_successes"`
	ConsecutiveFailures  uint32 `json:"consecutive_failures"`
}

// MarshalJSON writes s as documented for GET /v1/breakers: the state as a
// word, open_until only while open, the counts by name.
func (s Status) MarshalJSON() ([]byte, error) {
	j := statusJSON{
		Account: s.Account, Origin: s.Origin, State: s.State.String(),
		Requests: s.Counts.Requests, Successes: s.Counts.TotalSuccesses, Failures: s.Counts.TotalFailures,
		ConsecutiveSuccesses: s.Counts.ConsecutiveSuccesses, ConsecutiveFailures: s.Counts.ConsecutiveFailures,
	}
	if !s.OpenUntil.IsZero() {
		until := s.OpenUntil.UTC()
		j.OpenUntil = &until
	}
	return json.Marshal(j)
}
