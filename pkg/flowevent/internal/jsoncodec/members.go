package jsoncodec

import (
	"bytes"
	"encoding/json"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// This file walks the top level of a JSON object without decoding it, so
// that the per-event envelope costs one validation pass and no allocation
// per member: values come back as sub-slices of the input.

// ForEachMember calls fn with the key (unescaped) and the raw value of each
// top-level member of the JSON object b, in order, stopping at fn's first
// error. b must be valid JSON (see Valid); otherwise the walk may end
// early with ErrNotObject, but never reads out of bounds.
func ForEachMember(b []byte, fn func(key string, value []byte) error) error {
	i := jsonwire.Space(b, 0)
	if i >= len(b) || b[i] != '{' {
		return ErrNotObject
	}
	i = jsonwire.Space(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) && b[i] == '"' {
		keyEnd := jsonwire.String(b, i)
		key, err := memberKey(b[i:keyEnd])
		if err != nil {
			return err
		}
		i = jsonwire.Space(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return ErrNotObject
		}
		i = jsonwire.Space(b, i+1)
		end := jsonwire.Value(b, i)
		if err := fn(key, b[i:end]); err != nil {
			return err
		}
		i = jsonwire.Space(b, end)
		if i < len(b) && b[i] == '}' {
			return nil
		}
		if i >= len(b) || b[i] != ',' {
			return ErrNotObject
		}
		i = jsonwire.Space(b, i+1)
	}
	return ErrNotObject
}

// memberKey unescapes a quoted key; keys without escapes are converted
// directly.
func memberKey(quoted []byte) (string, error) {
	if len(quoted) < 2 {
		return "", ErrNotObject
	}
	inner := quoted[1 : len(quoted)-1]
	if k := Known(inner); k != "" {
		return k, nil
	}
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return "", ErrNotObject
	}
	return s, nil
}
