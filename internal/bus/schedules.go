package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ScheduleCounterName names the consumer that counts the retries and holds
// waiting on the request stream: the main consumer's name with a
// "-schedules" suffix.
func (t Topology) ScheduleCounterName() string { return t.WithDefaults().Consumer + "-schedules" }

// ScheduleCounterConfig is the schedule counter's configuration: a durable
// consumer of flowhook.schedule.> that is never pulled from, so that its
// pending count is the number of schedules waiting (JetStream removes a
// schedule when it fires). Nothing may pull from it: in the work-queue
// stream an ack would delete a pending retry.
func (t Topology) ScheduleCounterConfig() jetstream.ConsumerConfig {
	t = t.WithDefaults()
	return jetstream.ConsumerConfig{
		Durable:       t.ScheduleCounterName(),
		Description:   "flowhook: counts retries and holds waiting on the bus; never pull from it",
		FilterSubject: ScheduleSubjectPrefix + ">",
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 1,
		Replicas:      t.Replicas,
	}
}

// PendingSchedules returns how many retries and holds wait on the bus,
// fleet-wide.
func (t Topology) PendingSchedules(ctx context.Context, js jetstream.JetStream) (int, error) {
	t = t.WithDefaults()
	c, err := js.Consumer(ctx, t.RequestStream, t.ScheduleCounterName())
	if err != nil {
		return 0, fmt.Errorf("bus: schedule counter: %w", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("bus: schedule counter: %w", err)
	}
	return int(info.NumPending), nil
}
