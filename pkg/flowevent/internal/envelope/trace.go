package envelope

// W3C Trace Context (the CloudEvents distributed tracing extension) values
// are carried from a request event to its outcome event and to the
// outbound HTTP request, so they are checked strictly: a traceparent that
// is not well formed is dropped together with its tracestate, as the W3C
// recommendation prescribes, and can never smuggle a line break into a
// header.

// maxTraceStateLen is the W3C limit on the length of tracestate.
const maxTraceStateLen = 512

// ValidTraceParent reports whether s is a well-formed W3C traceparent:
// version-traceid-parentid-flags in lowercase hex, trace and parent ids not
// all zero, version not ff; versions above 00 may append fields.
func ValidTraceParent(s string) bool {
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return false
	}
	version, traceID, parentID, flags := s[0:2], s[3:35], s[36:52], s[53:55]
	if !lowerHex(version) || version == "ff" || !lowerHex(flags) {
		return false
	}
	if !lowerHex(traceID) || allZero(traceID) || !lowerHex(parentID) || allZero(parentID) {
		return false
	}
	if len(s) == 55 {
		return true
	}
	return version != "00" && s[55] == '-' && printableASCII(s)
}

// ValidTraceState reports whether s can be carried as a tracestate header:
// at most 512 printable ASCII characters.
func ValidTraceState(s string) bool {
	return len(s) <= maxTraceStateLen && printableASCII(s)
}

// CleanTraceContext returns the trace context to keep: both values when the
// traceparent is valid (tracestate only when valid too), nothing otherwise.
func CleanTraceContext(parent, state string) (string, string) {
	if !ValidTraceParent(parent) {
		return "", ""
	}
	if !ValidTraceState(state) {
		state = ""
	}
	return parent, state
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
