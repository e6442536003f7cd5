package request

// validTraceParent reports whether s is a W3C Trace Context traceparent
// flowhook may forward: version-traceid-parentid-flags in lower-case hex,
// version not ff, ids not all zero. A version above 00 may carry more
// fields after a '-', as the specification allows.
func validTraceParent(s string) bool {
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return false
	}
	if !lowerHex(s[0:2]) || !lowerHex(s[3:35]) || !lowerHex(s[36:52]) || !lowerHex(s[53:55]) {
		return false
	}
	if s[0:2] == "ff" || allZero(s[3:35]) || allZero(s[36:52]) {
		return false
	}
	if len(s) > 55 {
		return s[0:2] != "00" && s[55] == '-' && validHeaderValue(s)
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
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
