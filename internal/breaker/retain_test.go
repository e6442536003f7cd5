package breaker

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/rs/zerolog"
)

// TestRegistryKeepsOwnCopyOfKey: a key's strings are usually substrings of
// a whole decoded request event; a breaker outlives the event, so the
// registry keeps copies instead of pinning every event that created one
// (10,000 origins pinned 15 MB of events before).
func TestRegistryKeepsOwnCopyOfKey(t *testing.T) {
	event := `{"account":"acme","url":"https://crm.example:443"}` + strings.Repeat(" ", 2048)
	key := Key{Account: event[12:16], Origin: event[25:48]}
	if key.Account != "acme" || key.Origin != "https://crm.example:443" {
		t.Fatalf("test key = %+v", key)
	}
	r := NewRegistry(Settings{}, nil, zerolog.Nop())
	e := r.entry(key, time.Now())
	if e.key != key {
		t.Fatalf("kept key %+v, want %+v", e.key, key)
	}
	if unsafe.StringData(e.key.Account) == unsafe.StringData(key.Account) ||
		unsafe.StringData(e.key.Origin) == unsafe.StringData(key.Origin) {
		t.Error("the registry keeps the caller's strings, pinning the event they are part of")
	}
}
