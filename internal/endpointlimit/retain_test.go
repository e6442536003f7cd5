package endpointlimit

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

// TestLimiterKeepsOwnCopyOfKeys: the account and origin a request names
// are usually substrings of its whole decoded event; the limiter's state
// outlives the event, so it keeps copies instead of pinning the event.
func TestLimiterKeepsOwnCopyOfKeys(t *testing.T) {
	event := `{"account":"acme","url":"https://crm.example:443"}` + strings.Repeat(" ", 2048)
	acct, origin := event[12:16], event[25:48]
	l := New(Config{Default: Limits{MaxConcurrency: 2}}, fakeclock.New())
	release, _, ok := l.Acquire(acct, origin, Limits{})
	if !ok {
		t.Fatal("refused")
	}
	release()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, o := range l.origins {
		if k != origin {
			t.Fatalf("origin %q, want %q", k, origin)
		}
		if unsafe.StringData(k) == unsafe.StringData(origin) {
			t.Error("the limiter keeps the caller's origin string")
		}
		for a := range o.accounts {
			if a != acct || unsafe.StringData(a) == unsafe.StringData(acct) {
				t.Errorf("account key %q: not an own copy of %q", a, acct)
			}
		}
	}
	if len(l.origins) != 1 {
		t.Errorf("%d origins, want 1", len(l.origins))
	}
}
