package fleetbreaker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// The states a record holds.
const (
	stateOpen   = "open"
	stateClosed = "closed"
)

// Record is one breaker's fleet-wide state (an account's calls to an
// origin), the value of its key in the bucket.
type Record struct {
	// Account and Origin (scheme://host:port) name the breaker.
	Account string `json:"account"`
	Origin  string `json:"origin"`
	// State is "open" or "closed".
	State string `json:"state"`
	// OpenUntil is when the open period ends and a probe may go out.
	OpenUntil time.Time `json:"open_until,omitzero"`
	// Generation counts the origin's open periods: each opening writes
	// the previous generation + 1.
	Generation uint64 `json:"generation"`
	// Replica is the replica that wrote the state.
	Replica string `json:"replica"`
	// Prober holds the probe lease of this open period until ProbeUntil.
	Prober     string    `json:"prober,omitempty"`
	ProbeUntil time.Time `json:"probe_until,omitzero"`
}

// open reports whether r is an open record.
func (r Record) open() bool { return r.State == stateOpen }

// key is the breaker r's state belongs to.
func (r Record) key() breaker.Key { return breaker.Key{Account: r.Account, Origin: r.Origin} }

// BucketKey is the bucket key of a breaker: "b." and the first 32 hex
// digits of the SHA-256 of its account and origin (origins hold ':' and
// '/', which keys may not). Records of releases that shared one breaker
// per origin among all accounts ("o." keys) are skipped, and expire.
func BucketKey(k breaker.Key) string {
	sum := sha256.Sum256([]byte(k.Account + "\n" + k.Origin))
	return "b." + hex.EncodeToString(sum[:16])
}

// decodeRecord reads a bucket value; it must name a known state and the
// account and origin the key was derived from.
func decodeRecord(key string, data []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("fleetbreaker: record %s: %w", key, err)
	}
	if r.State != stateOpen && r.State != stateClosed {
		return Record{}, fmt.Errorf("fleetbreaker: record %s: unknown state %q", key, r.State)
	}
	if !flowevent.ValidAccount(r.Account) {
		return Record{}, fmt.Errorf("fleetbreaker: record %s: no valid account (a record of a release that shared breakers among accounts)", key)
	}
	if BucketKey(r.key()) != key {
		return Record{}, fmt.Errorf("fleetbreaker: record %s: account and origin do not match the key", key)
	}
	return r, nil
}

// decision is what the fleet says about one request of an account to an
// origin.
type decision int

const (
	pass  decision = iota // the fleet does not hold the origin: ask the local breaker
	probe                 // this replica holds the probe lease: ask the local breaker
	wait                  // refuse: open, or another replica is probing
	claim                 // refuse unless this replica takes the probe lease
)

// decide says what replica me may do with a request to r's breaker at now,
// and until when a refusal lasts (zero: until a probe result).
func (r Record) decide(me string, now time.Time) (decision, time.Time) {
	switch {
	case !r.open():
		return pass, time.Time{}
	case now.Before(r.OpenUntil):
		return wait, r.OpenUntil
	case r.Prober != "" && now.Before(r.ProbeUntil):
		if r.Prober == me {
			return probe, time.Time{}
		}
		return wait, time.Time{}
	default:
		return claim, time.Time{}
	}
}
