package jsoncodec

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzForEachMember checks the member walker against encoding/json on
// every valid JSON object.
func FuzzForEachMember(f *testing.F) {
	for _, b := range examples(f) {
		f.Add(b)
	}
	f.Add([]byte(` { "a" : [1, {"b": "}\"]"}] , "c\u0041":null,"d":-1.5e3,"a":true } `))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want map[string]json.RawMessage
		if !json.Valid(b) || json.Unmarshal(b, &want) != nil || want == nil {
			_ = ForEachMember(b, func(string, []byte) error { return nil }) // must not panic
			return
		}
		got := map[string]json.RawMessage{}
		err := ForEachMember(b, func(k string, v []byte) error {
			got[k] = v
			return nil
		})
		if err != nil {
			t.Fatalf("ForEachMember(%q): %v", b, err)
		}
		if len(got) != len(want) {
			t.Fatalf("members %v, want %v", got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("member %q = %q, want %q", k, got[k], v)
			}
		}
	})
}
