package bus

import (
	"context"
	"errors"
	"time"
)

// CreateAttemptTimeout bounds one attempt of a stream, consumer or bucket
// creation in Create.
const CreateAttemptTimeout = 5 * time.Second

// Create runs create (a CreateOrUpdate of a stream, consumer or key-value
// bucket) until it answers or ctx ends. On a NATS cluster, replicas creating
// the same replicated stream at the same moment can get no answer at all
// (nats-server issue 3677); each attempt is therefore bounded by
// CreateAttemptTimeout, and one that timed out is tried again, which then
// finds the stream. Any other error is returned at once.
func Create[T any](ctx context.Context, create func(context.Context) (T, error)) (T, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, CreateAttemptTimeout)
		v, err := create(actx)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return v, err
		}
	}
}
