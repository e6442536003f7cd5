package bus_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// storedSubject publishes one request event of account and returns the
// subject the request stream filed it under.
func storedSubject(t *testing.T, js jetstream.JetStream, account string) string {
	t.Helper()
	ctx := context.Background()
	ack, err := js.Publish(ctx, flowevent.RequestSubject(account), []byte("{}"))
	if err != nil {
		t.Fatalf("publish for %s: %v", account, err)
	}
	s, err := js.Stream(ctx, bus.DefaultRequestStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(ctx, ack.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	return m.Subject
}

// TestPartitionsFileByAccount: the stream files every event of an account
// in one partition, chosen by the account, and the partition's lane
// delivers it; a publisher cannot file an event in a partition itself.
func TestPartitionsFileByAccount(t *testing.T) {
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()
	topo := bus.Topology{Partitions: 4}
	lanes, err := topo.Ensure(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, acct := range []string{"acme", "victim", "attacker", "a", "b", "shop-42"} {
		first := storedSubject(t, js, acct)
		if again := storedSubject(t, js, acct); again != first {
			t.Fatalf("%s filed under %s, then %s", acct, first, again)
		}
		if got, ok := flowevent.AccountOfRequestSubject(first); !ok || got != acct {
			t.Fatalf("%s filed under %s", acct, first)
		}
		partition := strings.Split(first, ".")[2]
		seen[partition] = true
		if want := strconv.Itoa(topo.PartitionOf(acct)); partition != want {
			t.Errorf("%s filed in partition %s; PartitionOf says %s", acct, partition, want)
		}
	}
	if len(seen) < 2 {
		t.Fatalf("six accounts all in one of 4 partitions: %v", seen)
	}
	var pending uint64
	for i, c := range lanes {
		info, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && info.NumPending != 0 {
			t.Errorf("the lane of events stored before partitioning got %d new events", info.NumPending)
		}
		pending += info.NumPending
	}
	if pending != 12 {
		t.Errorf("lanes hold %d events, want 12", pending)
	}
	if _, err := js.Publish(ctx, "flowhook.request.0.acme", []byte("{}")); err == nil {
		t.Fatal("a publisher filed an event in a partition of its choice")
	}
}

// TestEnsureMigratesAnUnpartitionedStream: a request stream of a release
// without partitions (one consumer taking flowhook.request.>) is
// partitioned in place; the events it holds are delivered by the lane of
// events stored before partitioning, new ones by their partition's.
func TestEnsureMigratesAnUnpartitionedStream(t *testing.T) {
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()
	old := bus.Topology{}.WithDefaults()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: old.RequestStream, Subjects: []string{"flowhook.request.>", "flowhook.schedule.>"},
		Retention: jetstream.WorkQueuePolicy, AllowMsgSchedules: true,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateConsumer(ctx, old.RequestStream, jetstream.ConsumerConfig{
		Durable: old.Consumer, FilterSubject: "flowhook.request.>", AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "flowhook.request.acme", []byte("old")); err != nil {
		t.Fatal(err)
	}
	lanes, err := (bus.Topology{}).Ensure(ctx, js)
	if err != nil {
		t.Fatalf("Ensure over the old layout: %v", err)
	}
	if got := storedSubject(t, js, "acme"); got == "flowhook.request.acme" {
		t.Fatal("a new event was not filed in a partition")
	}
	info, err := lanes[0].Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.FilterSubject != "flowhook.request.*" || info.NumPending != 1 {
		t.Fatalf("lane of events stored before partitioning: filter %q, %d pending; want flowhook.request.* and the old event", info.Config.FilterSubject, info.NumPending)
	}
	b, err := (bus.Topology{}).Backlog(ctx, js)
	if err != nil || b.Pending != 2 {
		t.Fatalf("backlog %+v, %v: want both events pending", b, err)
	}
}

// TestRepartition: the partition count of a stream holding request events
// stays; an empty stream may be repartitioned, and loses the lanes of the
// partitions it no longer has.
func TestRepartition(t *testing.T) {
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()
	if _, err := (bus.Topology{Partitions: 8}).Ensure(ctx, js); err != nil {
		t.Fatal(err)
	}
	storedSubject(t, js, "acme")
	_, err := (bus.Topology{Partitions: 4}).Ensure(ctx, js)
	if !errors.Is(err, bus.ErrInvariant) || !strings.Contains(err.Error(), "keep --partitions 8") {
		t.Fatalf("repartitioning a stream with events: %v", err)
	}
	rs, err := js.Stream(ctx, bus.DefaultRequestStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	lanes, err := (bus.Topology{Partitions: 4}).Ensure(ctx, js)
	if err != nil || len(lanes) != 5 {
		t.Fatalf("repartitioning an empty stream: %d lanes, %v", len(lanes), err)
	}
	if _, err := js.Consumer(ctx, bus.DefaultRequestStream, bus.DefaultConsumer+"-p7"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("the lane of partition 7 is still there: %v", err)
	}
	if got := storedSubject(t, js, "acme"); !strings.HasPrefix(got, "flowhook.request.") {
		t.Fatalf("filed under %s", got)
	}
}
