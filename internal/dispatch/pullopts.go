package dispatch

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// pullHeartbeat is the idle heartbeat asked of the server for every pull
// request. nats.go (v1.55) decides whether to send the next pull request
// only when Next is entered, and skips that decision while its previous
// request is still being written; if the buffered messages run out in
// that window, Next waits for messages no request asked for until the
// heartbeats are missed (twice the heartbeat interval, 30 s by default).
// Under load on a busy machine this stalled consumption for 30 s at a
// time; a 1 s heartbeat bounds such a stall to 2 s, for one small status
// message a second while a request waits idle.
const pullHeartbeat = time.Second

// pullOpts are the options of the consumer's message iterator.
func (d *Dispatcher) pullOpts() []jetstream.PullMessagesOpt {
	return []jetstream.PullMessagesOpt{
		jetstream.PullMaxMessages(d.cfg.Prefetch),
		jetstream.PullHeartbeat(pullHeartbeat),
	}
}
