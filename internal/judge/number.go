package judge

import (
	"strconv"
	"strings"
)

// EqualNumbers compares two JSON number literals by value, exactly, as
// json_equals does: the request builder's parameter conditions compare
// numbers the same way.
func EqualNumbers(a, b string) bool { return equalNumbers(a, b) }

// equalNumbers compares two JSON number literals by value, exactly:
// 1, 1.0, 10e-1 and 0.1e1 are equal, as are 0 and -0. It never converts to
// float64, so large integers (12345678901234567890) compare exactly, and it
// never expands an exponent, so a hostile 1e999999999 costs nothing.
func equalNumbers(a, b string) bool {
	if a == b {
		return true
	}
	na, okA := canonical(a)
	nb, okB := canonical(b)
	return okA && okB && na == nb
}

// decimal is a number as sign, significant digits (no leading or trailing
// zeros) and exponent: value = digits × 10^exp. Zero is {false, "", 0}.
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

// canonical reduces a JSON number literal to its decimal form; ok is false
// for text that is not a number or an exponent beyond ±2^60.
func canonical(s string) (decimal, bool) {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	mant, expText, hasExp := strings.Cut(strings.ReplaceAll(s, "E", "e"), "e")
	if hasExp {
		e, err := strconv.ParseInt(expText, 10, 64)
		if err != nil || e > 1<<60 || e < -(1<<60) {
			return d, false
		}
		d.exp = e
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || (hasFrac && frac == "") {
		return d, false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	d.exp -= int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	d.exp += int64(len(digits) - len(trimmed))
	if trimmed == "" {
		return decimal{}, true // zero, whatever its sign and exponent
	}
	d.digits = trimmed
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
