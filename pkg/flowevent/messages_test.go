package flowevent

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func sampleOutcome() Outcome {
	return Outcome{
		RequestID: "evt-1", Account: "acme", FlowID: "flow-42", NodeID: "node-7", ProfileID: "prof-123",
		Route: RouteNo, Success: false, Reason: ReasonStatusMismatch, Detail: "expected status 201, got 200",
		Status: 200, DurationMS: 12.5, Attempts: 1,
		Endpoint:    &Endpoint{Scheme: "https", Host: "crm.example.com", Port: 443},
		CompletedAt: sampleTime.Add(time.Second),
	}
}

func TestOutcomeMsgRoundTrip(t *testing.T) {
	msg := sampleRequestMsg(t)
	reqEv, _, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewOutcomeMsg(reqEv, sampleOutcome())
	if err != nil {
		t.Fatalf("NewOutcomeMsg: %v", err)
	}
	key := OutcomeKey("acme", "evt-1")
	checks := map[string][2]string{
		"subject":      {out.Subject, "flowhook.outcome.acme." + key},
		"Nats-Msg-Id":  {out.Header.Get(HeaderMsgID), key},
		"route header": {out.Header.Get(HeaderRoute), "no"},
		"content type": {out.Header.Get(HeaderContentType), ContentTypeStructured},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	ev, o, err := DecodeOutcome(out)
	if err != nil {
		t.Fatalf("DecodeOutcome: %v", err)
	}
	if !reflect.DeepEqual(o, sampleOutcome()) {
		t.Errorf("outcome = %+v\nwant      %+v", o, sampleOutcome())
	}
	if ev.ID != key || ev.Type != OutcomeType || ev.Source != OutcomeSource || ev.Subject != "prof-123" ||
		ev.TraceParent != sampleTraceParent || ev.TraceState != "congo=t61rcWkgMzE" || !ev.Time.Equal(sampleOutcome().CompletedAt) {
		t.Errorf("event = %+v", ev)
	}
}

func TestOutcomeMsgDefaults(t *testing.T) {
	o := sampleOutcome()
	o.RequestID, o.CompletedAt = "", time.Time{}
	before := time.Now()
	out, err := NewOutcomeMsg(Event{ID: "evt-9"}, o)
	if err != nil {
		t.Fatal(err)
	}
	ev, got, err := DecodeOutcome(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.RequestID != "evt-9" || got.CompletedAt.Before(before) || ev.TraceParent != "" {
		t.Errorf("outcome = %+v, event = %+v", got, ev)
	}
}

func TestOutcomeMsgRefuses(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		edit func(o *Outcome)
	}{
		{"no request id", Event{}, func(o *Outcome) { o.RequestID = "" }},
		{"request id differs", Event{ID: "evt-2"}, nil},
		{"invalid account", Event{ID: "evt-1"}, func(o *Outcome) { o.Account = "a.b" }},
		{"invalid route", Event{ID: "evt-1"}, func(o *Outcome) { o.Route = "maybe" }},
		{"no reason", Event{ID: "evt-1"}, func(o *Outcome) { o.Reason = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sampleOutcome()
			if tt.edit != nil {
				tt.edit(&o)
			}
			if _, err := NewOutcomeMsg(tt.ev, o); err == nil {
				t.Fatal("NewOutcomeMsg succeeded")
			}
		})
	}
}

func TestDecodeOutcomeErrors(t *testing.T) {
	good, err := NewOutcomeMsg(Event{ID: "evt-1"}, sampleOutcome())
	if err != nil {
		t.Fatal(err)
	}
	tampered := nats.NewMsg(good.Subject)
	tampered.Header = good.Header
	tampered.Data = []byte(strings.Replace(string(good.Data), `"request_id":"evt-1"`, `"request_id":"evt-2"`, 1))
	tests := []struct {
		name string
		msg  *nats.Msg
		want error
	}{
		{"nil message", nil, ErrNotCloudEvent},
		{"request event", sampleRequestMsg(t), ErrWrongType},
		{"id not the outcome key", tampered, ErrInconsistent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := DecodeOutcome(tt.msg); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func sampleDeadLetter() DeadLetter {
	return DeadLetter{
		Reason: ReasonInvalidEvent, Detail: "decode: envelope: not a CloudEvent: source missing",
		Subject: "flowhook.request.acme", Headers: map[string][]string{"Content-Type": {ContentTypeStructured}},
		Original: []byte(`{"id":"evt-1"}`), StreamSeq: 42, Deliveries: 1,
		RequestID: "evt-1", Account: "acme", FlowID: "flow-42", NodeID: "node-7", ProfileID: "prof-123",
		OutcomePublished: true, DeadLetteredAt: sampleTime,
	}
}

func TestDeadLetterMsgRoundTrip(t *testing.T) {
	msg, err := NewDeadLetterMsg(sampleDeadLetter(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "flowhook.deadletter.acme" || msg.Header.Get(HeaderMsgID) != deadLetterKey(sampleDeadLetter()) {
		t.Errorf("subject %q, msg id %q", msg.Subject, msg.Header.Get(HeaderMsgID))
	}
	ev, d, err := DecodeDeadLetter(msg)
	if err != nil {
		t.Fatalf("DecodeDeadLetter: %v", err)
	}
	if !reflect.DeepEqual(d, sampleDeadLetter()) {
		t.Errorf("dead letter = %+v\nwant          %+v", d, sampleDeadLetter())
	}
	if ev.Type != DeadLetterType || ev.Subject != "evt-1" || !ev.Time.Equal(sampleTime) {
		t.Errorf("event = %+v", ev)
	}
}

func TestDeadLetterIDs(t *testing.T) {
	d := sampleDeadLetter()
	if again := d; deadLetterKey(again) != deadLetterKey(d) || len(deadLetterKey(d)) != 32 {
		t.Fatalf("key %q not deterministic 32 hex digits", deadLetterKey(d))
	}
	other := d
	other.StreamSeq++
	if deadLetterKey(other) == deadLetterKey(d) {
		t.Error("different stream positions share a key")
	}
	anon := DeadLetter{Reason: ReasonEventTooLarge, Account: "not valid!"}
	if deadLetterKey(anon) != "" {
		t.Error("key without position or request id")
	}
	a, err := NewDeadLetterMsg(anon, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewDeadLetterMsg(anon, 0)
	if a.Subject != "flowhook.deadletter._unknown" || a.Header.Get(HeaderMsgID) == b.Header.Get(HeaderMsgID) {
		t.Errorf("subject %q, ids %q %q", a.Subject, a.Header.Get(HeaderMsgID), b.Header.Get(HeaderMsgID))
	}
	if _, err := NewDeadLetterMsg(DeadLetter{}, 0); err == nil {
		t.Error("dead letter without reason accepted")
	}
}

func TestNewRequestMsgRefuses(t *testing.T) {
	tests := []struct {
		name string
		id   string
		edit func(r *Request)
		opts []MsgOption
	}{
		{name: "empty id", id: ""},
		{name: "id with newline", id: "a\nb"},
		{name: "bad account", id: "e", edit: func(r *Request) { r.Account = "" }},
		{name: "no profile", id: "e", edit: func(r *Request) { r.Profile.ID = "" }},
		{name: "no node", id: "e", edit: func(r *Request) { r.NodeID = "" }},
		{name: "bad traceparent", id: "e", opts: []MsgOption{WithTraceParent("nope")}},
		{name: "tracestate alone", id: "e", opts: []MsgOption{WithTraceState("a=b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleRequest()
			if tt.edit != nil {
				tt.edit(&r)
			}
			if _, err := NewRequestMsg(tt.id, r, tt.opts...); err == nil {
				t.Fatal("NewRequestMsg succeeded")
			}
		})
	}
}

func TestAccountOfRequestSubject(t *testing.T) {
	tests := []struct {
		subject, want string
		ok            bool
	}{
		{"flowhook.request.acme", "acme", true},
		{"flowhook.request.acme.x", "", false},
		{"flowhook.request.", "", false},
		{"flowhook.outcome.acme", "", false},
	}
	for _, tt := range tests {
		if got, ok := AccountOfRequestSubject(tt.subject); got != tt.want || ok != tt.ok {
			t.Errorf("AccountOfRequestSubject(%q) = %q, %v", tt.subject, got, ok)
		}
	}
}

func TestValidTraceParent(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{sampleTraceParent, true},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", true},
		{sampleTraceParent + "-x", false},
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidTraceParent(tt.in); got != tt.want {
			t.Errorf("ValidTraceParent(%q) = %v", tt.in, got)
		}
	}
}

// TestDeadLetterWithin: a record too large for the server's max payload is
// stored with the first bytes of its input, saying so; one that fits is
// left whole.
func TestDeadLetterWithin(t *testing.T) {
	big := DeadLetter{Reason: ReasonEventTooLarge, Subject: "flowhook.request.acme", StreamSeq: 7,
		Original: bytes.Repeat([]byte("x"), 200_000)}
	const limit = 64 << 10
	msg, err := NewDeadLetterMsg(big, limit)
	if err != nil {
		t.Fatal(err)
	}
	if n := msgSize(msg); n > limit {
		t.Fatalf("record of %d bytes, over the limit %d", n, limit)
	}
	_, d, err := DecodeDeadLetter(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !d.OriginalTruncated || d.OriginalBytes != 200_000 || len(d.Original) == 0 || len(d.Original) >= 200_000 ||
		!bytes.Equal(d.Original, big.Original[:len(d.Original)]) {
		t.Fatalf("cut record: truncated %v, %d of %d bytes", d.OriginalTruncated, len(d.Original), d.OriginalBytes)
	}
	if len(d.Original) < limit/2 {
		t.Errorf("kept only %d bytes of a %d-byte budget", len(d.Original), limit)
	}
	small := big
	small.Original = []byte("small")
	msg, _ = NewDeadLetterMsg(small, limit)
	if _, d, _ := DecodeDeadLetter(msg); d.OriginalTruncated || string(d.Original) != "small" {
		t.Fatalf("a record that fits was cut: %+v", d)
	}
}
