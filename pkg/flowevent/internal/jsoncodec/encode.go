package jsoncodec

import (
	"encoding/json"
	"math"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// This file writes JSON members byte for byte as json.Marshal writes
// them, for encoders that spell out a struct's fields by hand.

// AppendMember appends name (the member's JSON text up to its value, such
// as `,"id":`) and s as a JSON string.
func AppendMember(b []byte, name, s string) []byte {
	return jsonwire.AppendString(append(b, name...), s, true)
}

// AppendOptional is AppendMember for a field with omitempty: nothing when
// s is empty.
func AppendOptional(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return AppendMember(b, name, s)
}

// AppendMarshaled appends name and json.Marshal of v, unless n (v's
// length) is 0, as omitempty does for a map or slice.
func AppendMarshaled(b []byte, name string, v any, n int) ([]byte, error) {
	if n == 0 {
		return b, nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, ErrUnencodable
	}
	return append(append(b, name...), j...), nil
}

// AppendFloat appends f as json.Marshal renders a float64 (see
// jsonwire.AppendFloat); NaN and infinities cannot be rendered.
func AppendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, ErrUnencodable
	}
	return jsonwire.AppendFloat(b, f, 64), nil
}
