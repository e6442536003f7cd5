package dispatch

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestDeliveryStateRoundTrip(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	st := deliveryState{tries: 3, sent: 2, holds: 4, first: now.Add(-time.Minute), spentMS: 1234.5, lastReason: "timeout"}
	h := nats.Header{}
	st.write(h)
	if got := readState(h, now); got != st {
		t.Fatalf("read %+v, wrote %+v", got, st)
	}
	if !got(h).scheduled() || readState(nil, now).scheduled() {
		t.Fatal("scheduled")
	}
}

func got(h nats.Header) deliveryState { return readState(h, time.Now()) }

func TestReadStateDistrustsHeaders(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    nats.Header
		want deliveryState
	}{
		{"none", nats.Header{}, deliveryState{}},
		{"garbage", nats.Header{HeaderAttempt: {"x"}, HeaderSent: {"-3"}, HeaderFirstAttempt: {"yesterday"}, HeaderSpentMS: {"NaN"}}, deliveryState{}},
		{"huge counts", nats.Header{HeaderAttempt: {"100000"}, HeaderHolds: {"99999999999999999999"}}, deliveryState{}},
		{"first try in the future is now", nats.Header{HeaderFirstAttempt: {"2030-01-01T00:00:00Z"}}, deliveryState{first: now}},
		{"long reason ignored", nats.Header{HeaderLastReason: {string(make([]byte, 65))}}, deliveryState{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readState(tt.h, now); got != tt.want {
				t.Fatalf("readState = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzReadState(f *testing.F) {
	f.Add("3", "2", "1", "2026-03-01T12:00:00Z", "12.5", "timeout")
	f.Add("", "", "", "", "", "")
	f.Add("-1", "1e9", "x", "2999-01-01T00:00:00Z", "-4", "\x00")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, attempt, sent, holds, first, spent, reason string) {
		h := nats.Header{HeaderAttempt: {attempt}, HeaderSent: {sent}, HeaderHolds: {holds},
			HeaderFirstAttempt: {first}, HeaderSpentMS: {spent}, HeaderLastReason: {reason}}
		st := readState(h, now)
		if st.tries < 0 || st.tries > maxStateCount || st.sent < 0 || st.sent > maxStateCount || st.holds < 0 || st.holds > maxStateCount {
			t.Fatalf("counts out of bounds: %+v", st)
		}
		if st.first.After(now) || st.spentMS < 0 || st.spentMS != st.spentMS {
			t.Fatalf("implausible state: %+v", st)
		}
	})
}
