package judge

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/flowhook/flowhook/internal/jsonpointer"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// judgeJSONEquals matches a JSON body holding want at ptr. The detail of a
// mismatch names the pointer and the JSON types involved, never a value:
// the body is the receiver's and may hold personal data.
func judgeJSONEquals(ptr string, want json.RawMessage, body []byte, truncated bool) Verdict {
	if !flowevent.ValidJSONPointer(ptr) {
		return invalid("response pointer is not an RFC 6901 JSON Pointer")
	}
	if !json.Valid(want) {
		return invalid("expected JSON value is missing or not JSON")
	}
	if truncated {
		return bodyMismatch("response body truncated at " + strconv.Itoa(len(body)) + " bytes: not read as JSON")
	}
	doc, err := jsonpointer.Parse(body)
	if err != nil {
		return bodyMismatch("response body (" + strconv.Itoa(len(body)) + " bytes) is not JSON")
	}
	got, err := doc.Lookup(ptr)
	if err != nil {
		return bodyMismatch(field(ptr) + " is missing")
	}
	if equalJSON(got, want) {
		return matched
	}
	gt, wt := jsonpointer.Type(got), jsonpointer.Type(want)
	if gt != wt {
		return bodyMismatch(field(ptr) + " is " + article(gt) + ", expected " + article(wt))
	}
	return bodyMismatch(field(ptr) + " differs from the expected " + wt)
}

func bodyMismatch(detail string) Verdict {
	return Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: detail}
}

// field names what ptr points at, for details.
func field(ptr string) string {
	if ptr == "" {
		return "the body"
	}
	return "field " + strconv.Quote(ptr)
}

func article(typ string) string {
	if typ == "object" || typ == "array" {
		return "an " + typ
	}
	return "a " + typ
}

// equalJSON compares two JSON texts as values: numbers by value, objects
// whatever their key order (a repeated key: the last value), strings after
// unescaping.
func equalJSON(a, b json.RawMessage) bool {
	va, okA := decode(a)
	vb, okB := decode(b)
	return okA && okB && equalValues(va, vb)
}

func decode(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v) == nil
}

// equalValues compares decoded JSON values.
func equalValues(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !equalValues(av, bv) {
				return false
			}
		}
		return true
	case []any:
		ba, ok := b.([]any)
		if !ok || len(a) != len(ba) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], ba[i]) {
				return false
			}
		}
		return true
	case json.Number:
		bn, ok := b.(json.Number)
		return ok && equalNumbers(string(a), string(bn))
	default: // string, bool, nil
		return a == b
	}
}
