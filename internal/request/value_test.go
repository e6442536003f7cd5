package request

import (
	"encoding/json"
	"math"
	"testing"
)

// TestAppendText covers the text form of every value type directly; body
// modes will use the same forms.
func TestAppendText(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"", ""},
		{"a b", "a b"},
		{json.Number("0012"), "0012"},
		{true, "true"},
		{false, "false"},
		{0.0, "0"},
		{-2.5, "-2.5"},
		{123456789.0, "123456789"},
		{1e21, "1e+21"},
		{-1e21, "-1e+21"},
		{1e-6, "0.000001"},
		{1.5e-7, "1.5e-7"},
		{1e-10, "1e-10"},
		{math.Inf(-1), "-Inf"},
		{float32(1e21), "1e+21"},
		{float32(1e-7), "1e-7"},
		{int(-3), "-3"},
		{int32(-32), "-32"},
		{int64(math.MaxInt64), "9223372036854775807"},
		{uint(3), "3"},
		{uint32(32), "32"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{map[string]any{"z": nil, "a": []any{}}, `{"a":[],"z":null}`},
		{[]any{"<&>"}, `["<&>"]`},
		{struct{ A int }{1}, `{"A":1}`},
	}
	for _, tt := range tests {
		got, err := appendText([]byte("p:"), tt.in)
		if err != nil {
			t.Errorf("appendText(%#v): %v", tt.in, err)
			continue
		}
		if string(got) != "p:"+tt.want {
			t.Errorf("appendText(%#v) = %q, want %q", tt.in, got, "p:"+tt.want)
		}
	}
	if got, err := appendText([]byte("p:"), make(chan int)); err == nil || string(got) != "p:" {
		t.Errorf("appendText(chan) = %q, %v; want prefix unchanged and an error", got, err)
	}
}

func TestLookup(t *testing.T) {
	data := map[string]any{"": "empty key", "a": map[string]any{"b": []any{"x", map[string]any{"c": "deep"}}}, "a.b": "flat"}
	tests := []struct {
		name   string
		fn     func(map[string]any, string) (any, bool)
		path   string
		want   any
		wantOK bool
	}{
		{"profile exact", lookupProfile, "a.b", "flat", true},
		{"profile nested", lookupProfile, "a.b.1.c", "deep", true},
		{"profile empty path", lookupProfile, "", nil, false},
		{"profile no dots missing", lookupProfile, "zz", nil, false},
		{"event ignores flat dotted keys", lookupEvent, "a.b", []any{"x", map[string]any{"c": "deep"}}, true},
		{"event array", lookupEvent, "a.b.0", "x", true},
		{"event index past array", lookupEvent, "a.b.2", nil, false},
		{"event index overflow", lookupEvent, "a.b.99999999999999999999999", nil, false},
		{"event into a string", lookupEvent, "a.b.0.x", nil, false},
		{"event empty path", lookupEvent, "", nil, false},
		{"event trailing dot", lookupEvent, "a.", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.fn(data, tt.path)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if string(g) != string(w) {
				t.Fatalf("got %s, want %s", g, w)
			}
		})
	}
	if _, ok := lookupEvent(nil, "a"); ok {
		t.Fatal("lookupEvent(nil) found something")
	}
}
