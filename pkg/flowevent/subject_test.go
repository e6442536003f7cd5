package flowevent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestIDsScopedByAccount: every id derived from a request id differs
// between two accounts using the same request id, and is stable for one.
func TestIDsScopedByAccount(t *testing.T) {
	derive := map[string]func(account, id string) string{
		"RequestMsgID":   RequestMsgID,
		"OutcomeKey":     OutcomeKey,
		"OutcomeSubject": OutcomeSubject,
		"IdempotencyKey": IdempotencyKey,
	}
	for name, f := range derive {
		if f("acme", "shared-1") == f("evil", "shared-1") {
			t.Errorf("%s: two accounts' request id shared-1 give the same id", name)
		}
	}
	// The contract's derivations, as documented (a flow engine in another
	// language computes the same).
	sum := sha256.Sum256([]byte("flowhook-outcome:acme:x"))
	if got, want := OutcomeKey("acme", "x"), hex.EncodeToString(sum[:16]); got != want {
		t.Errorf("OutcomeKey = %s, want %s", got, want)
	}
	sum = sha256.Sum256([]byte("flowhook-idempotency:acme:x"))
	if got, want := IdempotencyKey("acme", "x"), "fh_"+hex.EncodeToString(sum[:16]); got != want {
		t.Errorf("IdempotencyKey = %s, want %s", got, want)
	}
	if got := RequestMsgID("acme", "x"); got != "acme:x" {
		t.Errorf("RequestMsgID = %s", got)
	}
	if k := OutcomeKey("acme", "x"); len(k) != 32 || k == legacyOutcomeKey("x") {
		t.Errorf("outcome key %q: want 32 hex digits, different from the legacy key", k)
	}
}

// TestDecodeOutcomeLegacyKey: outcomes stored by releases before
// account-scoped ids (key from the request id alone) still decode; any
// other id does not.
func TestDecodeOutcomeLegacyKey(t *testing.T) {
	o := Outcome{RequestID: "evt-1", Account: "acme", FlowID: "f", NodeID: "n", ProfileID: "p",
		Route: RouteYes, Success: true, Reason: ReasonMatched, CompletedAt: time.Unix(1, 0)}
	msg, err := NewOutcomeMsg(Event{ID: "evt-1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != OutcomeSubject("acme", "evt-1") || msg.Header.Get(HeaderMsgID) != OutcomeKey("acme", "evt-1") {
		t.Fatalf("subject %q, msg id %q", msg.Subject, msg.Header.Get(HeaderMsgID))
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{OutcomeKey("acme", "evt-1"), true},
		{legacyOutcomeKey("evt-1"), true},
		{OutcomeKey("evil", "evt-1"), false},
	} {
		ev := rewriteID(t, msg.Data, tc.id)
		msg.Data = ev
		if _, _, err := DecodeOutcome(msg); (err == nil) != tc.ok {
			t.Errorf("id %s: err %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

// rewriteID returns the structured event payload with its "id" replaced.
func rewriteID(t *testing.T, payload []byte, id string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = id
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAccountOfStoredRequestSubject(t *testing.T) {
	for subject, want := range map[string]string{
		"flowhook.request.acme":      "acme",
		"flowhook.request.12":        "12",
		"flowhook.request.3.acme":    "acme",
		"flowhook.request.15.12":     "12",
		"flowhook.request.x.acme":    "",
		"flowhook.request.3.ac.me":   "",
		"flowhook.request.":          "",
		"flowhook.request.3.":        "",
		"flowhook.request..acme":     "",
		"flowhook.outcome.acme.k":    "",
		"flowhook.request.3.a cme":   "",
		"flowhook.request.-1.acme":   "",
		"flowhook.request.007.acme2": "acme2",
	} {
		got, ok := AccountOfRequestSubject(subject)
		if got != want || ok != (want != "") {
			t.Errorf("AccountOfRequestSubject(%q) = %q, %v, want %q", subject, got, ok, want)
		}
	}
}

func TestValidAccountMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	for _, s := range []string{"", "a", "acme-1_B", "a.b", "a b", "é", strings.Repeat("x", 64), strings.Repeat("x", 65), "a\n", "_", "-"} {
		if got, want := ValidAccount(s), re.MatchString(s); got != want {
			t.Errorf("ValidAccount(%q) = %v, pattern says %v", s, got, want)
		}
	}
}
