package jsoncodec

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// This file decodes JSON values as encoding/json decodes them into Go
// values (into an interface with UseNumber, or into a string, bool, int,
// float64 or time.Time field), in one walk over text already validated,
// without reflection. Where encoding/json would fail (a value of the
// wrong type, whose error it words), the functions report false and the
// caller hands the whole document to encoding/json for its error.

// Decoder reads values out of one JSON document, held once as a string:
// every string it returns is a slice of that copy when the JSON text needs
// no unescaping, so that the text of a document is allocated once rather
// than once per key and value.
type Decoder struct {
	b []byte
	s string
}

// NewDecoder returns a Decoder for doc, valid JSON (see Valid).
func NewDecoder(doc []byte) Decoder { return Decoder{b: doc, s: string(doc)} }

// text returns sub, a slice of the document, as the same bytes of its
// string copy; a slice of anything else is copied.
func (d *Decoder) text(sub []byte) string {
	if len(sub) == 0 {
		return ""
	}
	off := cap(d.b) - cap(sub)
	if off < 0 || off+len(sub) > len(d.s) || &d.b[off] != &sub[0] {
		return string(sub)
	}
	return d.s[off : off+len(sub)]
}

// Unquote unquotes a valid JSON string as encoding/json does (invalid
// UTF-8 becomes U+FFFD), slicing the document's copy when it can.
func (d *Decoder) Unquote(quoted []byte) string {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return d.text(inner)
	}
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

// SetString sets a string field from the JSON value v: a JSON null leaves
// it as it is; anything but a string is false.
func (d *Decoder) SetString(dst *string, v []byte) bool {
	switch v[0] {
	case 'n':
		return true
	case '"':
		*dst = d.Unquote(v)
		return true
	}
	return false
}

// SetMap decodes the JSON object v into *m, adding to the map already
// there (as encoding/json does); null sets it to nil; anything but an
// object is false. With only, members whose names are not in it are
// skipped over rather than decoded.
func (d *Decoder) SetMap(m *map[string]any, v []byte, only map[string]struct{}) bool {
	switch v[0] {
	case 'n':
		*m = nil
		return true
	case '{':
		if only != nil {
			if *m == nil {
				*m = make(map[string]any, len(only))
			}
			d.fillOnly(*m, v, only)
			return true
		}
		if *m == nil {
			*m = make(map[string]any, countMembers(v))
		}
		d.fillObject(*m, v, 0)
		return true
	}
	return false
}

// value decodes the valid JSON value at b[i] as encoding/json decodes
// into an interface with UseNumber, and returns the index past it.
func (d *Decoder) value(b []byte, i int) (any, int) {
	switch b[i] {
	case '{':
		obj := b[i:jsonwire.Nested(b, i)]
		m := make(map[string]any, countMembers(obj))
		d.fillObject(m, obj, 0)
		return m, i + len(obj)
	case '[':
		return d.array(b, i)
	case '"':
		end := jsonwire.String(b, i)
		return d.Unquote(b[i:end]), end
	case 't':
		return true, i + 4
	case 'f':
		return false, i + 5
	case 'n':
		return nil, i + 4
	}
	end := i
	for end < len(b) && !jsonwire.Delimiter(b[end]) {
		end++
	}
	return json.Number(d.text(b[i:end])), end
}

// fillObject decodes the members of the object at b[i] into m (a repeated
// key's last value wins) and returns the index past the object.
func (d *Decoder) fillObject(m map[string]any, b []byte, i int) int {
	i = jsonwire.Space(b, i+1)
	if b[i] == '}' {
		return i + 1
	}
	for {
		end := jsonwire.String(b, i)
		key := d.Unquote(b[i:end])
		i = jsonwire.Space(b, jsonwire.Space(b, end)+1) // past ':'
		var v any
		v, i = d.value(b, i)
		m[key] = v
		i = jsonwire.Space(b, i)
		if b[i] == '}' {
			return i + 1
		}
		i = jsonwire.Space(b, i+1) // past ','
	}
}

// fillOnly is fillObject for the members named in only; the values of
// the others are skipped, not decoded.
func (d *Decoder) fillOnly(m map[string]any, b []byte, only map[string]struct{}) {
	i := jsonwire.Space(b, 1)
	if b[i] == '}' {
		return
	}
	for {
		end := jsonwire.String(b, i)
		key := d.Unquote(b[i:end])
		i = jsonwire.Space(b, jsonwire.Space(b, end)+1) // past ':'
		if _, ok := only[key]; ok {
			var v any
			v, i = d.value(b, i)
			m[key] = v
		} else {
			i = jsonwire.Value(b, i)
		}
		i = jsonwire.Space(b, i)
		if b[i] == '}' {
			return
		}
		i = jsonwire.Space(b, i+1) // past ','
	}
}

// array decodes the array at b[i] (never nil, as encoding/json).
func (d *Decoder) array(b []byte, i int) ([]any, int) {
	arr := make([]any, 0)
	i = jsonwire.Space(b, i+1)
	if b[i] == ']' {
		return arr, i + 1
	}
	for {
		var v any
		v, i = d.value(b, i)
		arr = append(arr, v)
		i = jsonwire.Space(b, i)
		if b[i] == ']' {
			return arr, i + 1
		}
		i = jsonwire.Space(b, i+1)
	}
}

// countMembers counts the members of the valid JSON object obj (its
// top-level commas), to size a map once.
func countMembers(obj []byte) int {
	n, depth := 0, 0
	for i := 0; i < len(obj); i++ {
		switch obj[i] {
		case '"':
			i = jsonwire.String(obj, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		case ':':
			if depth == 1 && n == 0 {
				n = 1
			}
		}
	}
	return n
}

// MatchField maps a member name to the field name it sets, as
// encoding/json matches them: the exact name, else any name equal under
// Unicode case folding. "" means no field.
func MatchField(key string, names ...string) string {
	for _, n := range names {
		if key == n {
			return n
		}
	}
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return n
		}
	}
	return ""
}

// SetBool sets a bool field from the JSON value v as encoding/json does:
// null leaves it as it is; anything but a boolean is false.
func SetBool(dst *bool, v []byte) bool {
	switch v[0] {
	case 'n':
	case 't':
		*dst = true
	case 'f':
		*dst = false
	default:
		return false
	}
	return true
}

// SetInt sets an int field from the JSON value v as encoding/json does:
// null leaves it as it is; anything but an integer that fits is false.
func SetInt(dst *int, v []byte) bool {
	if v[0] == 'n' {
		return true
	}
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return false
	}
	n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
	if err != nil {
		return false
	}
	*dst = int(n)
	return true
}

// SetFloat sets a float64 field from the JSON value v as encoding/json
// does: null leaves it as it is; anything but a number that fits is false.
func SetFloat(dst *float64, v []byte) bool {
	if v[0] == 'n' {
		return true
	}
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return false
	}
	*dst = f
	return true
}

// SetTime sets a time.Time field from the JSON value v as encoding/json
// does (time.Time's UnmarshalJSON: null leaves it as it is); anything but
// an RFC 3339 string is false.
func SetTime(dst *time.Time, v []byte) bool {
	return dst.UnmarshalJSON(v) == nil
}
