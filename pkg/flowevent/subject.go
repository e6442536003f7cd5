package flowevent

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Subject layout. Every subject carries the account (tenant) as a token so
// that work can be partitioned by account.
const (
	// RequestSubjectPrefix starts every request subject:
	// flowhook.request.<account>.
	RequestSubjectPrefix = "flowhook.request."
	// OutcomeSubjectPrefix starts every outcome subject:
	// flowhook.outcome.<account>.<outcome key>.
	OutcomeSubjectPrefix = "flowhook.outcome."
	// DeadLetterSubjectPrefix starts every dead-letter subject:
	// flowhook.deadletter.<account or _unknown>.
	DeadLetterSubjectPrefix = "flowhook.deadletter."
	// UnknownAccount is the account token used when the account of an input
	// cannot be read.
	UnknownAccount = "_unknown"
)

// ValidAccount reports whether s can be used as an account id: 1 to 64
// characters from [A-Za-z0-9_-], so that it is always a single subject token.
func ValidAccount(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// RequestSubject is the subject a flow engine publishes request events of
// the given account to.
func RequestSubject(account string) string { return RequestSubjectPrefix + account }

// OutcomeSubject is the subject of the outcome event for the request event
// of account with id requestID. It ends in OutcomeKey(account, requestID),
// so that exactly one outcome subject exists per request event.
func OutcomeSubject(account, requestID string) string {
	return OutcomeSubjectPrefix + account + "." + OutcomeKey(account, requestID)
}

// LegacyOutcomeSubject is where releases before account-scoped ids stored
// the outcome of a request event (its key derived from the request id
// alone). flowhook looks there too for request events stored before an
// upgrade, so that they still get exactly one outcome.
func LegacyOutcomeSubject(account, requestID string) string {
	return OutcomeSubjectPrefix + account + "." + legacyOutcomeKey(requestID)
}

// DeadLetterSubject is the subject of dead-letter records of an account;
// pass UnknownAccount (or an invalid account, which maps to it) when the
// account could not be read.
func DeadLetterSubject(account string) string {
	if !ValidAccount(account) {
		account = UnknownAccount
	}
	return DeadLetterSubjectPrefix + account
}

// Ids are scoped by account: two accounts may use the same request id
// without one's request event, outcome or idempotency key standing in for
// the other's. Every id below derives from (account, request id); an
// account id never contains ':', so the pair is unambiguous.

// RequestMsgID is the Nats-Msg-Id a flow engine sets on the request event
// of account with id requestID: "<account>:<request id>". The request
// stream de-duplicates on it, and its de-duplication is one namespace for
// every account, so the id must carry the account. NewRequestMsg sets it.
func RequestMsgID(account, requestID string) string { return account + ":" + requestID }

// OutcomeKey derives the outcome event's id from the account and the
// request event's id: the first 32 hex digits of
// SHA-256("flowhook-outcome:" + account + ":" + requestID). It is
// deterministic, so a redelivered request event yields the same outcome id
// (and the same Nats-Msg-Id), and it is always a valid subject token.
func OutcomeKey(account, requestID string) string {
	return hashKey("flowhook-outcome:" + account + ":" + requestID)
}

// legacyOutcomeKey is the outcome key of releases before account-scoped
// ids: SHA-256("flowhook-outcome:" + requestID).
func legacyOutcomeKey(requestID string) string {
	return hashKey("flowhook-outcome:" + requestID)
}

// IdempotencyKey derives the key sent to the receiver (Idempotency-Key and
// webhook-id headers) from the account and the request event's id. It is
// identical on every attempt and every redelivery of that request event,
// and differs between accounts, so a receiver shared by many accounts
// never takes one account's request for a repeat of another's.
func IdempotencyKey(account, requestID string) string {
	return "fh_" + hashKey("flowhook-idempotency:"+account+":"+requestID)
}

// hashKey is the first 32 hex digits of SHA-256(s).
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// AccountOfRequestSubject returns the account token of a request subject:
// flowhook.request.<account> as a flow engine publishes it, or
// flowhook.request.<partition>.<account> as flowhook's request stream
// files it (the partition a decimal number). It returns false when subject
// is neither with a valid account. A request's Account must equal it.
func AccountOfRequestSubject(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, RequestSubjectPrefix)
	if !ok {
		return "", false
	}
	if partition, account, stored := strings.Cut(rest, "."); stored {
		if !decimal(partition) {
			return "", false
		}
		rest = account
	}
	if !ValidAccount(rest) {
		return "", false
	}
	return rest, true
}

// decimal reports whether s is a non-empty string of ASCII digits.
func decimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AccountOfOutcomeSubject returns the account token of an outcome subject
// (flowhook.outcome.<account>.<outcome key>); false when subject is not
// one.
func AccountOfOutcomeSubject(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, OutcomeSubjectPrefix)
	if !ok {
		return "", false
	}
	account, key, ok := strings.Cut(rest, ".")
	if !ok || key == "" || strings.IndexByte(key, '.') >= 0 || !ValidAccount(account) {
		return "", false
	}
	return account, true
}
