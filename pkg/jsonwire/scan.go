package jsonwire

// The functions below find where JSON tokens end, in text already known
// to be valid JSON (see encoding/json.Valid or a validator of one's own):
// the building blocks of decoders that walk a document once without
// building it. On invalid JSON the results are unspecified, but every
// function stays within the slice (it returns at most len(b)).

// Space returns the index of the first non-whitespace byte at or after i.
func Space(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// String returns the index just past the string starting at b[i] == '"'.
func String(b []byte, i int) int {
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

// Value returns the index just past the value starting at b[i].
func Value(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return String(b, i)
	case '{', '[':
		return Nested(b, i)
	}
	for i < len(b) && !Delimiter(b[i]) {
		i++
	}
	return i
}

// Nested returns the index just past the object or array at b[i].
func Nested(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = String(b, i) - 1
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

// Delimiter reports whether c ends a number or a literal.
func Delimiter(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
