package app

import (
	"encoding/base64"

	"github.com/rs/zerolog"
)

// deadLetterOverhead bounds what a dead-letter record adds to its event's
// bytes besides their base64 encoding: the record's other fields and the
// event's headers.
const deadLetterOverhead = 16 << 10

// payloadFindings says how the NATS server's max_payload limits request
// events and their dead letters, given the --max-event-bytes cap: one
// sentence per limit that bites, empty when none does.
func payloadFindings(maxPayload int64, maxEventBytes int) []string {
	var out []string
	if maxPayload <= int64(maxEventBytes) {
		out = append(out, "NATS max_payload does not exceed --max-event-bytes: request events larger than max_payload are refused by NATS "+
			"when published (the publisher gets the error) and never reach flowhook, so none is answered as event_too_large; "+
			"raise max_payload in the NATS server configuration (deployments/nats/nats.conf sets 8MB), or lower --max-event-bytes")
	}
	largest := min(maxPayload, int64(maxEventBytes))
	if need := int64(base64.StdEncoding.EncodedLen(int(largest))) + deadLetterOverhead; need > maxPayload {
		out = append(out, "a dead letter carries its event's bytes base64-encoded, so the dead letter of an unreadable event near "+
			"the largest NATS accepts does not fit max_payload: such events still get their outcome, but their dead-letter record "+
			"is not stored; raise max_payload above 4/3 of the largest request event, plus 16 KiB")
	}
	return out
}

// checkMaxPayload logs, at start-up, how the server's max_payload limits
// request events and dead letters (see payloadFindings).
func checkMaxPayload(log zerolog.Logger, maxPayload int64, maxEventBytes int) {
	for _, f := range payloadFindings(maxPayload, maxEventBytes) {
		log.Warn().Int64("max_payload", maxPayload).Int("max_event_bytes", maxEventBytes).Msg("nats: " + f)
	}
}
