package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Topology names and sizes the streams and the durable consumer flowhook
// works on. The zero value of a field means its documented default (see
// WithDefaults).
type Topology struct {
	// RequestStream holds request events, work-queue retention: a message
	// leaves the stream when it is acked. It takes flowhook.request.<account>
	// and files each event under flowhook.request.<partition>.<account>
	// (see Lanes). It also holds the schedules of retries and holds
	// (flowhook.schedule.>), which no lane sees: JetStream publishes each
	// one's request copy when it is due.
	RequestStream string
	// OutcomeStream holds outcome events (flowhook.outcome.>).
	OutcomeStream string
	// DeadLetterStream holds dead-letter records (flowhook.deadletter.>).
	DeadLetterStream string
	// Consumer names the durable pull consumers every replica shares: the
	// lane of events stored before partitioning, and the prefix of the
	// partitions' consumers (Consumer-p0, Consumer-p1, ...).
	Consumer string
	// Partitions is how many partitions the request stream files events
	// into, by a hash of their account; each has a consumer, and a
	// dispatcher pulls from them in turn, so that one account's backlog
	// delays only the accounts of its own partition. Default 16; it can
	// only change while the stream holds no request events.
	Partitions int
	// Replicas is the stream replication factor (3 on a cluster).
	Replicas int
	// MemoryStorage keeps streams in memory instead of files (tests only).
	MemoryStorage bool
	// AckWait is how long the server waits for an ack before redelivering.
	// flowhook marks long calls in progress every AckWait/3.
	AckWait time.Duration
	// MaxDeliver caps deliveries of one message; poison protection.
	MaxDeliver int
	// MaxAckPending caps unacknowledged messages across all replicas, per
	// lane.
	MaxAckPending int
	// DuplicateWindow is the outcome stream's Nats-Msg-Id dedup window.
	DuplicateWindow time.Duration
	// OutcomeMaxAge and DeadLetterMaxAge bound how long records are kept.
	// Every outcome has a subject of its own (so that a redelivered event
	// finds its stored outcome), which JetStream indexes: about 250 bytes
	// of server memory per outcome kept, plus about 130 bytes per outcome
	// within DuplicateWindow for its de-duplication id.
	OutcomeMaxAge    time.Duration
	DeadLetterMaxAge time.Duration
}

// ScheduleSubjectPrefix starts the subjects of scheduled retries and holds
// on the request stream: flowhook.schedule.<account>.<outcome key>, one
// pending schedule per request event (a new one replaces the old).
const ScheduleSubjectPrefix = "flowhook.schedule."

// Defaults of Topology.
const (
	DefaultRequestStream    = "FLOWHOOK_REQUESTS"
	DefaultOutcomeStream    = "FLOWHOOK_OUTCOMES"
	DefaultDeadLetterStream = "FLOWHOOK_DEADLETTERS"
	DefaultConsumer         = "flowhook"
	DefaultAckWait          = 30 * time.Second
	DefaultMaxDeliver       = 10
	DefaultMaxAckPending    = 8192
	DefaultDuplicateWindow  = 10 * time.Minute
	DefaultOutcomeMaxAge    = 7 * 24 * time.Hour
	DefaultDeadLetterMaxAge = 30 * 24 * time.Hour
)

// WithDefaults returns t with every zero field set to its default.
func (t Topology) WithDefaults() Topology {
	setStr := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	setStr(&t.RequestStream, DefaultRequestStream)
	setStr(&t.OutcomeStream, DefaultOutcomeStream)
	setStr(&t.DeadLetterStream, DefaultDeadLetterStream)
	setStr(&t.Consumer, DefaultConsumer)
	if t.Replicas == 0 {
		t.Replicas = 1
	}
	if t.Partitions == 0 {
		t.Partitions = DefaultPartitions
	}
	if t.AckWait == 0 {
		t.AckWait = DefaultAckWait
	}
	if t.MaxDeliver == 0 {
		t.MaxDeliver = DefaultMaxDeliver
	}
	if t.MaxAckPending == 0 {
		t.MaxAckPending = DefaultMaxAckPending
	}
	if t.DuplicateWindow == 0 {
		t.DuplicateWindow = DefaultDuplicateWindow
	}
	if t.OutcomeMaxAge == 0 {
		t.OutcomeMaxAge = DefaultOutcomeMaxAge
	}
	if t.DeadLetterMaxAge == 0 {
		t.DeadLetterMaxAge = DefaultDeadLetterMaxAge
	}
	return t
}

// Workload is what the running fleet will do with the topology; Check
// compares it with the topology's settings.
type Workload struct {
	// Replicas is the number of flowhook processes sharing the consumer.
	Replicas int
	// Workers is how many events each replica handles at once: each
	// replica pulls up to that many unacknowledged messages.
	Workers int
	// LongestDelay is the longest time an event may wait on the bus before
	// its final attempt (retry deadlines); 0 without retries.
	LongestDelay time.Duration
}

// Check verifies the invariants between the topology's settings and the
// workload, and says what to change when one does not hold.
func (t Topology) Check(w Workload) error {
	t = t.WithDefaults()
	var errs []error
	if t.AckWait < 3*time.Second {
		errs = append(errs, fmt.Errorf("%w: ack wait %s is below 3s; in-progress signals every ack wait/3 would flood the server: raise --ack-wait", ErrInvariant, t.AckWait))
	}
	if t.MaxDeliver < 2 && t.MaxDeliver != -1 {
		errs = append(errs, fmt.Errorf("%w: max deliver %d leaves no redelivery after a crash: use at least 2", ErrInvariant, t.MaxDeliver))
	}
	// A message whose outcome was stored but whose ack was lost comes back
	// after AckWait, up to MaxDeliver times; its outcome republish must
	// still fall inside the dedup window.
	longest := t.AckWait*time.Duration(max(t.MaxDeliver, 1)) + w.LongestDelay
	if t.DuplicateWindow < longest {
		errs = append(errs, fmt.Errorf("%w: outcome dedup window %s is shorter than ack wait x max deliver + longest retry delay (%s): raise --dedup-window to at least %s", ErrInvariant, t.DuplicateWindow, longest, longest))
	}
	// A redelivered event looks its outcome up on the outcome stream: the
	// outcome must still be there for as long as a redelivery can come.
	if t.OutcomeMaxAge < t.DuplicateWindow {
		errs = append(errs, fmt.Errorf("%w: outcomes are kept %s, less than the dedup window %s: a redelivered event would not find its outcome; raise --outcome-max-age", ErrInvariant, t.OutcomeMaxAge, t.DuplicateWindow))
	}
	if t.Partitions < 1 || t.Partitions > MaxPartitions {
		errs = append(errs, fmt.Errorf("%w: --partitions %d: use 1 to %d", ErrInvariant, t.Partitions, MaxPartitions))
	}
	// A few idle workers are kept for the events of partitions without a
	// backlog; the backlogs need workers beyond those.
	if least := t.MinWorkers(); w.Workers > 0 && w.Workers < least {
		errs = append(errs, fmt.Errorf("%w: %d workers: %d stay idle for the partitions without a backlog; raise --workers to at least %d", ErrInvariant, w.Workers, ReservedWorkers, least))
	}
	if w.Replicas > 0 && w.Workers > 0 && t.MaxAckPending < w.Replicas*w.Workers {
		errs = append(errs, fmt.Errorf("%w: max ack pending %d is below replicas x workers (%d x %d = %d): replicas would starve; raise --max-ack-pending or lower --workers", ErrInvariant, t.MaxAckPending, w.Replicas, w.Workers, w.Replicas*w.Workers))
	}
	return errors.Join(errs...)
}

func (t Topology) storage() jetstream.StorageType {
	if t.MemoryStorage {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

// StreamConfigs returns the request, outcome and dead-letter stream
// configurations of t.
func (t Topology) StreamConfigs() []jetstream.StreamConfig {
	t = t.WithDefaults()
	return []jetstream.StreamConfig{{
		Name:        t.RequestStream,
		Description: "flowhook request events (flow engine -> flowhook)",
		// flowhook.request.<account> only: the stored form has one token
		// more, and no publisher may file an event in a partition itself.
		Subjects:          []string{legacyFilter, ScheduleSubjectPrefix + ">"},
		SubjectTransform:  t.subjectTransform(),
		Retention:         jetstream.WorkQueuePolicy,
		Storage:           t.storage(),
		Replicas:          t.Replicas,
		Duplicates:        2 * time.Minute,
		AllowMsgSchedules: true,
	}, {
		Name:        t.OutcomeStream,
		Description: "flowhook outcome (routing) events, one per request event",
		Subjects:    []string{flowevent.OutcomeSubjectPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     t.storage(),
		Replicas:    t.Replicas,
		Duplicates:  t.DuplicateWindow,
		MaxAge:      t.OutcomeMaxAge,
	}, {
		Name:        t.DeadLetterStream,
		Description: "flowhook dead letters: inputs that could not be processed",
		Subjects:    []string{flowevent.DeadLetterSubjectPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     t.storage(),
		Replicas:    t.Replicas,
		Duplicates:  t.DuplicateWindow,
		MaxAge:      t.DeadLetterMaxAge,
	}}
}

// ConsumerConfig returns the configuration of a lane's durable consumer.
func (t Topology) ConsumerConfig(l Lane) jetstream.ConsumerConfig {
	t = t.WithDefaults()
	desc := "flowhook dispatchers (shared by every replica): partition " + strconv.Itoa(l.Partition)
	if l.Partition < 0 {
		desc = "flowhook dispatchers (shared by every replica): events stored before partitioning"
	}
	return jetstream.ConsumerConfig{
		Durable:       l.Consumer,
		Description:   desc,
		FilterSubject: l.Filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       t.AckWait,
		MaxDeliver:    t.MaxDeliver,
		MaxAckPending: t.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      t.Replicas,
	}
}

// Ensure creates the streams and the lanes' consumers if they are missing
// and updates them to t's settings otherwise. It returns the consumers in
// the order of t.Lanes(). A stream that holds request events keeps its
// partition count (see Partitions).
func (t Topology) Ensure(ctx context.Context, js jetstream.JetStream) ([]jetstream.Consumer, error) {
	t = t.WithDefaults()
	if err := t.checkRepartition(ctx, js); err != nil {
		return nil, err
	}
	for _, cfg := range t.StreamConfigs() {
		s, err := Create(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.CreateOrUpdateStream(ctx, cfg) })
		if err != nil {
			return nil, fmt.Errorf("bus: stream %s: %w", cfg.Name, err)
		}
		if cfg.AllowMsgSchedules && !s.CachedInfo().Config.AllowMsgSchedules {
			// An older server ignores the setting, and would store
			// schedules that never fire: retries would be lost.
			return nil, fmt.Errorf("%w: stream %s: the NATS server does not support message schedules, which retries and holds use: run nats-server 2.12 or later", ErrInvariant, cfg.Name)
		}
	}
	consumer := func(cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
		return Create(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
			return js.CreateOrUpdateConsumer(ctx, t.RequestStream, cfg)
		})
	}
	if err := t.dropStaleLanes(ctx, js); err != nil {
		return nil, err
	}
	// The lane of events stored before partitioning comes first: a
	// release without partitions had this consumer take every request
	// subject, which would overlap the partitions' consumers until it is
	// narrowed (a work-queue stream refuses overlapping consumers).
	var lanes []jetstream.Consumer
	for _, l := range t.Lanes() {
		c, err := consumer(t.ConsumerConfig(l))
		if err != nil {
			return nil, fmt.Errorf("bus: consumer %s: %w", l.Consumer, err)
		}
		lanes = append(lanes, c)
	}
	if _, err := consumer(t.ScheduleCounterConfig()); err != nil {
		return nil, fmt.Errorf("bus: consumer %s: %w", t.ScheduleCounterName(), err)
	}
	return lanes, nil
}
