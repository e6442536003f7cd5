package jsoncodec

import (
	"encoding/json"
	"math"
	"strconv"

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

// AppendFloat appends f as json.Marshal renders a float64: the shortest
// form, in exponent form below 1e-6 and from 1e21 on; NaN and infinities
// cannot be rendered.
func AppendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, ErrUnencodable
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// "1e-07" -> "1e-7", as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
