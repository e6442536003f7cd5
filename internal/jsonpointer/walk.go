package jsonpointer

import (
	"encoding/json"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// The functions of this file walk JSON text that Parse has validated: they
// assume well-formed input and never check it again.

// member returns the value of key in the object starting at obj[0]; with
// a repeated key, the last value, as encoding/json decodes it.
func member(obj []byte, key string) ([]byte, bool) {
	var found []byte
	ok := false
	i := jsonwire.Space(obj, 1)
	for obj[i] != '}' {
		keyEnd := jsonwire.String(obj, i)
		rawKey := obj[i:keyEnd]
		i = jsonwire.Space(obj, jsonwire.Space(obj, keyEnd)+1) // past ':'
		valEnd := jsonwire.Value(obj, i)
		if keyEquals(rawKey, key) {
			found, ok = obj[i:valEnd], true
		}
		i = jsonwire.Space(obj, valEnd)
		if obj[i] == ',' {
			i = jsonwire.Space(obj, i+1)
		}
	}
	return found, ok
}

// element returns the n-th value of the array starting at arr[0].
func element(arr []byte, n int) ([]byte, bool) {
	i := jsonwire.Space(arr, 1)
	for k := 0; arr[i] != ']'; k++ {
		end := jsonwire.Value(arr, i)
		if k == n {
			return arr[i:end], true
		}
		i = jsonwire.Space(arr, end)
		if arr[i] == ',' {
			i = jsonwire.Space(arr, i+1)
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
