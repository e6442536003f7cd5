package jsonwire

import (
	"math"
	"strconv"
)

// AppendFloat appends f, a float64 or (bits 32) a float32, as
// encoding/json writes it: the shortest representation, in exponent form
// below 1e-6 and from 1e21 on, with a one-digit negative exponent ("1e-7",
// not "1e-07"). encoding/json refuses NaN and infinities; for them
// AppendFloat writes strconv's text ("NaN", "+Inf", "-Inf"), which is not
// JSON: a caller writing JSON checks for them first.
func AppendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendFloat(dst, f, 'g', -1, bits)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && exponentForm(abs, bits) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

func exponentForm(abs float64, bits int) bool {
	if bits == 32 {
		return float32(abs) < 1e-6 || float32(abs) >= 1e21
	}
	return abs < 1e-6 || abs >= 1e21
}
