package flowevent

import (
	"testing"
	"time"
)

// TestOutcomeSummaryHeader: every outcome event carries its summary, and
// the summary reads back as the outcome's, whatever its ids and detail
// hold.
func TestOutcomeSummaryHeader(t *testing.T) {
	at := time.Date(2026, 11, 26, 21, 30, 0, 123456789, time.UTC)
	outcomes := []Outcome{
		{Account: "acme", FlowID: "spring", NodeID: "push", Route: RouteYes, Reason: ReasonMatched, Success: true,
			Status: 200, Attempts: 1, DurationMS: 12.5, CompletedAt: at},
		{Account: "acme", FlowID: "f&x=1 ü", NodeID: "n/%2F+", Route: RouteNo, Reason: ReasonStatusMismatch,
			Status: 503, Attempts: 3, DurationMS: 0.001, CompletedAt: at.Add(time.Hour),
			Detail: "expected status 200, got 503 & more=yes\nnext line"},
		{Account: "acme", FlowID: "", NodeID: "", Route: RouteExit, Reason: "a_reason_from_a_later_version", CompletedAt: at},
	}
	for i, o := range outcomes {
		m, err := NewOutcomeMsg(Event{ID: "req-1"}, o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseOutcomeSummary(m.Header.Get(HeaderSummary))
		if err != nil {
			t.Fatalf("outcome %d: %v (header %q)", i, err, m.Header.Get(HeaderSummary))
		}
		want := o.Summary()
		if !got.CompletedAt.Equal(want.CompletedAt) {
			t.Fatalf("outcome %d: completed at %v, want %v", i, got.CompletedAt, want.CompletedAt)
		}
		got.CompletedAt, want.CompletedAt = time.Time{}, time.Time{}
		if got != want {
			t.Fatalf("outcome %d: summary\n%+v\nwant\n%+v", i, got, want)
		}
	}
}

func TestParseOutcomeSummaryRefuses(t *testing.T) {
	for _, v := range []string{
		"",
		"flow=f&node=n&route=yes&reason=matched", // no version
		"v=2&route=yes&reason=matched",           // unknown version
		"v=1&route=maybe&reason=matched",         // bad route
		"v=1&route=yes",                          // no reason
		"v=1&route=yes&reason=matched&status=abc",              // bad number
		"v=1&route=yes&reason=matched&detail=%zz",              // bad escape
		"v=1&route=yes&reason=matched&at=99999999999999999999", // out of range
	} {
		if s, err := ParseOutcomeSummary(v); err == nil {
			t.Errorf("ParseOutcomeSummary(%q) = %+v, want an error", v, s)
		}
	}
	// Unknown keys are ignored (a later version may add some).
	if _, err := ParseOutcomeSummary("v=1&route=yes&reason=matched&new=1"); err != nil {
		t.Errorf("unknown key refused: %v", err)
	}
}

func FuzzParseOutcomeSummary(f *testing.F) {
	f.Add("v=1&flow=f&node=n&route=yes&reason=matched&ok=1&status=200&attempts=1&ms=1.5&at=1&detail=x%26y")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := ParseOutcomeSummary(v)
		if err != nil {
			return
		}
		// What parses re-encodes to something that parses the same.
		again, err := ParseOutcomeSummary(s.Encode())
		if err != nil || again != s {
			t.Fatalf("%q: parsed %+v, re-parsed %+v (%v)", v, s, again, err)
		}
	})
}
