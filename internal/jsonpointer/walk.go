package jsonpointer

import "encoding/json"

// The functions of this file walk JSON text that Parse has validated: they
// assume well-formed input and never check it again.

// member returns the value of key in the object starting at obj[0]; with
// a repeated key, the last value, as encoding/json decodes it.
func member(obj []byte, key string) ([]byte, bool) {
	var found []byte
	ok := false
	i := skipSpace(obj, 1)
	for obj[i] != '}' {
		keyEnd := skipString(obj, i)
		rawKey := obj[i:keyEnd]
		i = skipSpace(obj, skipSpace(obj, keyEnd)+1) // past ':'
		valEnd := skipValue(obj, i)
		if keyEquals(rawKey, key) {
			found, ok = obj[i:valEnd], true
		}
		i = skipSpace(obj, valEnd)
		if obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return found, ok
}

// element returns the n-th value of the array starting at arr[0].
func element(arr []byte, n int) ([]byte, bool) {
	i := skipSpace(arr, 1)
	for k := 0; arr[i] != ']'; k++ {
		end := skipValue(arr, i)
		if k == n {
			return arr[i:end], true
		}
		i = skipSpace(arr, end)
		if arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
	return nil, false
}

// keyEquals compares a quoted JSON key with key, unescaping only a key
// that holds an escape.
func keyEquals(raw []byte, key string) bool {
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			return json.Unmarshal(raw, &s) == nil && s == key
		}
	}
	return string(inner) == key
}

// skipSpace returns the index of the first non-space byte from i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
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
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) && !isDelimiter(b[i]) {
		i++
	}
	return i
}

func isDelimiter(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
