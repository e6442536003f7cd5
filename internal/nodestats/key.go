package nodestats

import (
	"fmt"
	"strings"
)

// keyPrefix starts every node's key: n.<account>.<flow>.<node>, each id
// escaped by escapeToken.
const keyPrefix = "n."

// checkpointKey holds the outcome stream sequence up to which every outcome
// has been counted.
const checkpointKey = "checkpoint"

// NodeKey is the bucket key of one node's stats.
func NodeKey(account, flowID, nodeID string) string {
	return keyPrefix + escapeToken(account) + "." + escapeToken(flowID) + "." + escapeToken(nodeID)
}

// flowFilter matches the keys of every node of a flow, or of an account
// when flowID is empty.
func flowFilter(account, flowID string) string {
	if flowID == "" {
		return keyPrefix + escapeToken(account) + ".>"
	}
	return keyPrefix + escapeToken(account) + "." + escapeToken(flowID) + ".*"
}

// escapeToken turns an id into one key token: letters, digits, '-' and '_'
// stay as they are (so keys remain readable in `nats kv ls`), every other
// byte becomes '=' and two hex digits, and the empty id becomes "=".
// Distinct ids give distinct tokens.
func escapeToken(s string) string {
	if s == "" {
		return "="
	}
	if !needsEscape(s) {
		return s // the common case, without a copy
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if tokenByte(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "=%02X", c)
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return true
		}
	}
	return false
}

// tokenByte reports whether c stands for itself in a key token.
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
