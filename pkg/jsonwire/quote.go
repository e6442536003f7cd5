package jsonwire

import "unicode/utf8"

// AppendString appends s to dst as a JSON string, byte for byte as
// encoding/json writes it: '"' and '\' escaped, control characters as \n,
// \r, \t, \b, \f or \u00xx, U+2028 and U+2029 escaped, and each byte of
// invalid UTF-8 as \ufffd. With escapeHTML, '<', '>' and '&' are escaped
// too (\u003c, \u003e, \u0026), as json.Marshal does; without, the text is
// what a json.Encoder with SetEscapeHTML(false) writes.
func AppendString(dst []byte, s string, escapeHTML bool) []byte {
	safe := &safeASCII
	if escapeHTML {
		safe = &htmlSafeASCII
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = appendEscapedByte(append(dst, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			if r == utf8.RuneError {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			}
			start = i + size
		}
		i += size
	}
	return append(append(dst, s[start:]...), '"')
}

const hexDigits = "0123456789abcdef"

// appendEscapedByte escapes one ASCII byte of a JSON string.
func appendEscapedByte(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// safeASCII and htmlSafeASCII tell, for each ASCII byte, whether it is
// written as it is inside a JSON string.
var safeASCII, htmlSafeASCII = asciiSets()

func asciiSets() (safe, htmlSafe [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		safe[c] = c >= ' ' && c != '"' && c != '\\'
		htmlSafe[c] = safe[c] && c != '<' && c != '>' && c != '&'
	}
	return safe, htmlSafe
}
