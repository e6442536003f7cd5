package bus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Partitions. The request stream files each request event, as it stores
// it, under flowhook.request.<partition>.<account>, where the partition is
// a hash of the account (a stream subject transform:
// {{partition(n,1)}}), and every partition has a durable consumer of its
// own. A dispatcher pulls from the partitions in turn, so an account's
// backlog waits only in its own partition: events of accounts in other
// partitions are pulled as soon as they arrive. Accounts cannot choose
// their partition: they publish to flowhook.request.<account> as before,
// and a subject of the stored form is not one the stream takes.
//
// Request events stored before partitioning keep their subject
// (flowhook.request.<account>): the consumer named Topology.Consumer
// delivers them, and what a release without partitions would have pulled.

// DefaultPartitions is how many partitions the request stream has unless
// Topology.Partitions says otherwise.
const DefaultPartitions = 16

// MaxPartitions bounds Topology.Partitions: every partition is a consumer
// each replica keeps a pull request on.
const MaxPartitions = 256

// Lane is one consumer of the request stream that dispatchers pull from:
// a partition, or the lane of events stored before partitioning.
type Lane struct {
	// Consumer is the durable consumer's name.
	Consumer string
	// Filter is the consumer's filter subject.
	Filter string
	// Partition is the partition's number; -1 for the lane of events
	// stored before partitioning.
	Partition int
}

// legacyFilter matches request events stored before partitioning: their
// subject has one token after the prefix, the stored form has two.
const legacyFilter = flowevent.RequestSubjectPrefix + "*"

// Lanes returns the request stream's lanes: first the lane of events
// stored before partitioning (the consumer named t.Consumer), then one per
// partition (t.Consumer + "-p" + the partition number).
func (t Topology) Lanes() []Lane {
	t = t.WithDefaults()
	lanes := make([]Lane, 0, t.Partitions+1)
	lanes = append(lanes, Lane{Consumer: t.Consumer, Filter: legacyFilter, Partition: -1})
	for p := range t.Partitions {
		lanes = append(lanes, Lane{
			Consumer:  t.Consumer + "-p" + strconv.Itoa(p),
			Filter:    flowevent.RequestSubjectPrefix + strconv.Itoa(p) + ".*",
			Partition: p,
		})
	}
	return lanes
}

// PartitionOf is the partition the request stream files account's events
// in: the FNV-1a (32-bit) hash of the account modulo the partition count,
// as NATS computes {{partition(n,1)}}.
func (t Topology) PartitionOf(account string) int {
	t = t.WithDefaults()
	h := fnv.New32a()
	_, _ = h.Write([]byte(account))
	return int(h.Sum32() % uint32(t.Partitions))
}

// ReservedWorkers is how many idle workers a dispatcher keeps from the
// lanes draining a backlog, for the events the other lanes receive.
const ReservedWorkers = 2

// MinWorkers is the fewest workers a replica needs: ReservedWorkers and
// two for backlogs.
func (t Topology) MinWorkers() int { return ReservedWorkers + 2 }

// subjectTransform is the request stream's transform: the account's
// partition inserted before it.
func (t Topology) subjectTransform() *jetstream.SubjectTransformConfig {
	return &jetstream.SubjectTransformConfig{
		Source:      legacyFilter,
		Destination: flowevent.RequestSubjectPrefix + "{{partition(" + strconv.Itoa(t.Partitions) + ",1)}}.{{wildcard(1)}}",
	}
}

// partitionsOf reads how many partitions an existing request stream's
// transform files events into; 0 when it has none.
func partitionsOf(cfg jetstream.StreamConfig) int {
	if cfg.SubjectTransform == nil {
		return 0
	}
	_, rest, ok := strings.Cut(cfg.SubjectTransform.Destination, "{{partition(")
	if !ok {
		return 0
	}
	n, _, _ := strings.Cut(rest, ",")
	p, err := strconv.Atoi(n)
	if err != nil {
		return 0
	}
	return p
}

// checkRepartition refuses to change the partition count of a request
// stream that holds request events: those of partitions that would have no
// consumer would never be delivered, and an account's events would be
// split between two partitions. An empty stream may be repartitioned.
func (t Topology) checkRepartition(ctx context.Context, js jetstream.JetStream) error {
	s, err := js.Stream(ctx, t.RequestStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", t.RequestStream, err)
	}
	have := partitionsOf(s.CachedInfo().Config)
	if have == 0 || have == t.Partitions {
		return nil
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(flowevent.RequestSubjectPrefix+"*.*"))
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", t.RequestStream, err)
	}
	if len(info.State.Subjects) > 0 {
		return fmt.Errorf("%w: the request stream %s files events into %d partitions and holds request events; --partitions %d would strand some of them: keep --partitions %d, or let the stream drain first", ErrInvariant, t.RequestStream, have, t.Partitions, have)
	}
	return nil
}

// dropStaleLanes deletes the consumers of partitions the stream no longer
// has (after a repartition of an empty stream).
func (t Topology) dropStaleLanes(ctx context.Context, js jetstream.JetStream) error {
	want := map[string]bool{t.ScheduleCounterName(): true}
	for _, l := range t.Lanes() {
		want[l.Consumer] = true
	}
	s, err := js.Stream(ctx, t.RequestStream)
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", t.RequestStream, err)
	}
	names := s.ConsumerNames(ctx)
	for name := range names.Name() {
		rest, ok := strings.CutPrefix(name, t.Consumer+"-p")
		if _, err := strconv.Atoi(rest); !ok || err != nil || want[name] {
			continue
		}
		if err := js.DeleteConsumer(ctx, t.RequestStream, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return fmt.Errorf("bus: consumer %s: %w", name, err)
		}
	}
	return names.Err()
}

// Backlog is the work waiting on the request stream's lanes, summed.
type Backlog struct {
	// Pending are events not yet delivered; AckPending delivered and not
	// yet acknowledged; Redelivered delivered more than once and not yet
	// acknowledged.
	Pending, AckPending, Redelivered uint64
}

// Backlog sums the lanes' consumer counts.
func (t Topology) Backlog(ctx context.Context, js jetstream.JetStream) (Backlog, error) {
	t = t.WithDefaults()
	var b Backlog
	for _, l := range t.Lanes() {
		c, err := js.Consumer(ctx, t.RequestStream, l.Consumer)
		if err != nil {
			return Backlog{}, fmt.Errorf("bus: consumer %s: %w", l.Consumer, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return Backlog{}, fmt.Errorf("bus: consumer %s: %w", l.Consumer, err)
		}
		b.Pending += info.NumPending
		b.AckPending += uint64(info.NumAckPending)
		b.Redelivered += uint64(info.NumRedelivered)
	}
	return b, nil
}
