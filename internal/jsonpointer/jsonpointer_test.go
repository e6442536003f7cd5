package jsonpointer

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	// The document of RFC 6901 section 5, plus nesting.
	doc := []byte(` {
		"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4,
		"i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8,
		"deep": {"list": [{"id": 12345678901234567890}, {"id": 1.50}], "null": null, "t": true},
		"dup": 1, "dup": 2
	} `)
	tests := []struct {
		ptr  string
		want string
		err  error
	}{
		{"/foo", `["bar", "baz"]`, nil},
		{"/foo/0", `"bar"`, nil},
		{"/", `0`, nil},
		{"/a~1b", `1`, nil},
		{"/c%d", `2`, nil},
		{"/e^f", `3`, nil},
		{"/g|h", `4`, nil},
		{"/i\\j", `5`, nil},
		{"/k\"l", `6`, nil},
		{"/ ", `7`, nil},
		{"/m~0n", `8`, nil},
		{"/deep/list/0/id", `12345678901234567890`, nil},
		{"/deep/list/1/id", `1.50`, nil},
		{"/deep/null", `null`, nil},
		{"/deep/t", `true`, nil},
		{"/dup", `2`, nil},
		{"/foo/2", "", ErrAbsent},
		{"/foo/-", "", ErrAbsent},
		{"/foo/01", "", ErrAbsent},
		{"/foo/-1", "", ErrAbsent},
		{"/foo/1e0", "", ErrAbsent},
		{"/foo/99999999999", "", ErrAbsent},
		{"/nope", "", ErrAbsent},
		{"/foo/0/x", "", ErrAbsent},
		{"/deep/t/x", "", ErrAbsent},
		{"/deep/null/x", "", ErrAbsent},
		{"/m~n", "", ErrSyntax},
		{"/m~2n", "", ErrSyntax},
		{"foo", "", ErrSyntax},
	}
	d, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		got, err := d.Lookup(tt.ptr)
		if !errors.Is(err, tt.err) || string(got) != tt.want {
			t.Errorf("Lookup(%q) = %s, %v; want %s, %v", tt.ptr, got, err, tt.want, tt.err)
		}
	}
	whole, _ := d.Lookup("")
	if whole[0] != '{' || whole[len(whole)-1] != '}' {
		t.Errorf("whole document not trimmed: %q", whole)
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"", " ", "{", `{"a":1} {"b":2}`, "nul", `{"a":1,}`, "[1,]", `"\x"`} {
		if _, err := Parse([]byte(bad)); !errors.Is(err, ErrNotJSON) {
			t.Errorf("Parse(%q) = %v, want ErrNotJSON", bad, err)
		}
	}
	for _, good := range []string{"1", ` "s" `, "null", "[]", "{}", "-0.5e-3"} {
		if _, err := Parse([]byte(good)); err != nil {
			t.Errorf("Parse(%q) = %v", good, err)
		}
	}
}

func TestType(t *testing.T) {
	tests := map[string]string{`{}`: "object", ` [1]`: "array", `"x"`: "string", `-1`: "number", `0.5`: "number",
		`true`: "boolean", `false`: "boolean", `null`: "null", ``: ""}
	for in, want := range tests {
		if got := Type([]byte(in)); got != want {
			t.Errorf("Type(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLookup: Lookup never panics and finds exactly what decoding the
// whole document with encoding/json and walking it finds.
func FuzzLookup(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":"d"}]}}`), "/a/b/1/c")
	f.Add([]byte(`[[[]]]`), "/0/0/0")
	f.Add([]byte(`{"~/":1}`), "/~0~1")
	f.Add([]byte(`{"a\"b":{"x":[true, null, "}]"]}, "a\"b": 2}`), "/a\"b")
	f.Add([]byte(`{"\u0061":1,"a":2}`), "/a")
	f.Add([]byte(`"x"`), "")
	f.Fuzz(func(t *testing.T, doc []byte, ptr string) {
		d, err := Parse(doc)
		if err != nil {
			return
		}
		got, err := d.Lookup(ptr)
		want, wantOK := reference(t, doc, ptr)
		if (err == nil) != wantOK {
			t.Fatalf("Lookup(%q) in %q: err %v, reference found %v", ptr, doc, err, wantOK)
		}
		if err == nil && canon(t, got) != want {
			t.Fatalf("Lookup(%q) in %q = %s, reference %s", ptr, doc, canon(t, got), want)
		}
	})
}

// reference walks the fully decoded document.
func reference(t *testing.T, doc []byte, ptr string) (string, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("reference decode: %v", err)
	}
	if ptr != "" {
		if ptr[0] != '/' {
			return "", false
		}
		for _, tok := range strings.Split(ptr[1:], "/") {
			tok, ok := unescape(tok)
			if !ok {
				return "", false
			}
			switch c := v.(type) {
			case map[string]any:
				if v, ok = c[tok]; !ok {
					return "", false
				}
			case []any:
				i, ok := index(tok)
				if !ok || i >= len(c) {
					return "", false
				}
				v = c[i]
			default:
				return "", false
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

// canon re-encodes JSON text the way reference does.
func canon(t *testing.T, raw []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("found value %q is not JSON: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
