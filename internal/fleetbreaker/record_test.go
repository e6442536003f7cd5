package fleetbreaker

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/breaker"
)

func TestBucketKey(t *testing.T) {
	valid := regexp.MustCompile(`^[-/_=\.a-zA-Z0-9]+$`)
	k := func(account, origin string) string { return BucketKey(breaker.Key{Account: account, Origin: origin}) }
	a, b, c := k("acme", "https://api.example.com:443"), k("acme", "https://api.example.com:8443"), k("evil", "https://api.example.com:443")
	if !valid.MatchString(a) || len(a) != 34 || a == b || a == c || b == c || a != k("acme", "https://api.example.com:443") {
		t.Fatalf("keys %q, %q, %q: want valid, 34 characters, stable and distinct per account and origin", a, b, c)
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later, earlier := now.Add(time.Second), now.Add(-time.Second)
	tests := []struct {
		name      string
		rec       Record
		want      decision
		wantUntil time.Time
	}{
		{"closed", Record{State: stateClosed}, pass, time.Time{}},
		{"open", Record{State: stateOpen, OpenUntil: later}, wait, later},
		{"open period over, no prober", Record{State: stateOpen, OpenUntil: earlier}, claim, time.Time{}},
		{"open period ends now", Record{State: stateOpen, OpenUntil: now}, claim, time.Time{}},
		{"another replica probes", Record{State: stateOpen, OpenUntil: earlier, Prober: "b", ProbeUntil: later}, wait, time.Time{}},
		{"this replica probes", Record{State: stateOpen, OpenUntil: earlier, Prober: "me", ProbeUntil: later}, probe, time.Time{}},
		{"the lease expired", Record{State: stateOpen, OpenUntil: earlier, Prober: "b", ProbeUntil: earlier}, claim, time.Time{}},
		{"this replica's lease expired", Record{State: stateOpen, OpenUntil: earlier, Prober: "me", ProbeUntil: now}, claim, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, until := tt.rec.decide("me", now)
			if got != tt.want || !until.Equal(tt.wantUntil) {
				t.Fatalf("decide = %v until %v, want %v until %v", got, until, tt.want, tt.wantUntil)
			}
		})
	}
}

func TestDecodeRecord(t *testing.T) {
	const origin = "https://api.example.com:443"
	key := BucketKey(breaker.Key{Account: "acme", Origin: origin})
	good, _ := json.Marshal(Record{Account: "acme", Origin: origin, State: stateOpen, OpenUntil: time.Unix(1e9, 0).UTC(), Generation: 3, Replica: "a"})
	tests := []struct {
		name, key, data string
		ok              bool
	}{
		{"good", key, string(good), true},
		{"closed", key, `{"account":"acme","origin":"` + origin + `","state":"closed","generation":1}`, true},
		{"wrong key", BucketKey(breaker.Key{Account: "acme", Origin: "https://other:443"}), string(good), false},
		{"another account's key", BucketKey(breaker.Key{Account: "evil", Origin: origin}), string(good), false},
		{"no account (an older release's record)", key, `{"origin":"` + origin + `","state":"closed","generation":1}`, false},
		{"unknown state", key, `{"account":"acme","origin":"` + origin + `","state":"half"}`, false},
		{"not json", key, `open`, false},
		{"bad time", key, `{"account":"acme","origin":"` + origin + `","state":"open","open_until":"soon"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := decodeRecord(tt.key, []byte(tt.data))
			if (err == nil) != tt.ok {
				t.Fatalf("decodeRecord: %+v, %v; want ok=%v", rec, err, tt.ok)
			}
			if tt.name == "good" && (rec.Generation != 3 || !rec.OpenUntil.Equal(time.Unix(1e9, 0))) {
				t.Fatalf("decoded %+v", rec)
			}
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	const origin = "https://api.example.com:443"
	key := BucketKey(breaker.Key{Account: "acme", Origin: origin})
	f.Add(key, []byte(`{"account":"acme","origin":"`+origin+`","state":"open","open_until":"2026-01-02T03:04:05Z","generation":2,"replica":"a","prober":"b","probe_until":"2026-01-02T03:05:05Z"}`))
	f.Add(key, []byte(`{"account":"acme","origin":"`+origin+`","state":"closed"}`))
	f.Add("o.x", []byte(`{}`))
	f.Add(BucketKey(breaker.Key{}), []byte(`{"origin":"","state":"open"}`))
	f.Fuzz(func(t *testing.T, key string, data []byte) {
		rec, err := decodeRecord(key, data)
		if err != nil {
			return
		}
		if BucketKey(rec.key()) != key || (rec.State != stateOpen && rec.State != stateClosed) {
			t.Fatalf("accepted %+v under key %q", rec, key)
		}
		// What decodes re-encodes to the same record.
		again, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := decodeRecord(key, again); err != nil || back.Generation != rec.Generation || !back.OpenUntil.Equal(rec.OpenUntil) {
			t.Fatalf("round trip: %+v -> %+v, %v", rec, back, err)
		}
	})
}
