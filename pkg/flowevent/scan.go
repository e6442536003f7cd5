package flowevent

import (
	"bytes"
	"encoding/json"
	"errors"
)

// This file walks the top level of a JSON object without decoding it, so
// that the per-event envelope costs one validation pass and no allocation
// per member: values come back as sub-slices of the input.

// errNotObject reports input that is not a JSON object.
var errNotObject = errors.New("payload is not a JSON object")

// forEachMember calls fn with the key (unescaped) and the raw value of each
// top-level member of the JSON object b, in order, stopping at fn's first
// error. b must be valid JSON (json.Valid); otherwise the walk may end
// early with errNotObject, but never reads out of bounds.
func forEachMember(b []byte, fn func(key string, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) && b[i] == '"' {
		keyEnd := skipString(b, i)
		key, err := memberKey(b[i:keyEnd])
		if err != nil {
			return err
		}
		i = skipSpace(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return errNotObject
		}
		i = skipSpace(b, i+1)
		end := skipValue(b, i)
		if err := fn(key, b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == '}' {
			return nil
		}
		if i >= len(b) || b[i] != ',' {
			return errNotObject
		}
		i = skipSpace(b, i+1)
	}
	return errNotObject
}

// memberKey unescapes a quoted key; keys without escapes are converted
// directly.
func memberKey(quoted []byte) (string, error) {
	if len(quoted) < 2 {
		return "", errNotObject
	}
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return "", errNotObject
	}
	return s, nil
}

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipNested(b, i)
	}
	for i < len(b) && !isDelimiter(b[i]) {
		i++
	}
	return i
}

// skipNested returns the index just past the object or array at b[i].
func skipNested(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = skipString(b, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(b)
}

// isDelimiter reports whether c ends a number or literal.
func isDelimiter(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// source is a payload and one string copy of it: strings taken from the
// payload are slices of the copy, so that decoding allocates the text
// once rather than once per key and value.
type source struct {
	b []byte
	s string
}

func newSource(b []byte) source { return source{b: b, s: string(b)} }

// str returns sub, a slice of src.b, as the same bytes of src.s; a slice
// of anything else is copied.
func (src source) str(sub []byte) string {
	if len(sub) == 0 {
		return ""
	}
	off := cap(src.b) - cap(sub)
	if off < 0 || off+len(sub) > len(src.s) || &src.b[off] != &sub[0] {
		return string(sub)
	}
	return src.s[off : off+len(sub)]
}
