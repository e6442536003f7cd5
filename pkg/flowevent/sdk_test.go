package flowevent

import (
	"reflect"
	"testing"

	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
)

// The hand-written codec is held to the CloudEvents SDK both ways: what
// this package writes, the SDK reads and validates; what the SDK writes,
// this package reads.

// sdkRead reads a structured-mode payload with the SDK and validates it.
func sdkRead(t *testing.T, name string, msg *nats.Msg) event.Event {
	t.Helper()
	if ct := msg.Header.Get(HeaderContentType); ct != ContentTypeStructured {
		t.Fatalf("%s: Content-Type %q", name, ct)
	}
	var sdk event.Event
	if err := format.JSON.Unmarshal(msg.Data, &sdk); err != nil {
		t.Fatalf("%s: sdk unmarshal: %v", name, err)
	}
	if err := sdk.Validate(); err != nil {
		t.Fatalf("%s: sdk validate: %v", name, err)
	}
	if sdk.ID() != msg.Header.Get(HeaderMsgID) && name != "NewRequestMsg" {
		t.Errorf("%s: sdk id %q, Nats-Msg-Id %q", name, sdk.ID(), msg.Header.Get(HeaderMsgID))
	}
	return sdk
}

func TestSDKAcceptsWhatWeWrite(t *testing.T) {
	msg := sampleRequestMsg(t)
	sdk := sdkRead(t, "NewRequestMsg", msg)
	if sdk.ID() != "evt-1" || sdk.Type() != RequestType || !sdk.Time().Equal(sampleTime) || sdk.Extensions()["traceparent"] != sampleTraceParent {
		t.Errorf("NewRequestMsg: sdk event = %s", sdk)
	}
	var req Request
	if err := sdk.DataAs(&req); err != nil || req.Profile.ID != "prof-123" {
		t.Errorf("NewRequestMsg: sdk data = %+v, %v", req, err)
	}

	ev, _, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewOutcomeMsg(ev, sampleOutcome())
	if err != nil {
		t.Fatal(err)
	}
	sdk = sdkRead(t, "NewOutcomeMsg", out)
	if sdk.Type() != OutcomeType || sdk.Source() != OutcomeSource || sdk.Extensions()["traceparent"] != sampleTraceParent {
		t.Errorf("NewOutcomeMsg: sdk event = %s", sdk)
	}
	var o Outcome
	if err := sdk.DataAs(&o); err != nil || !reflect.DeepEqual(o, sampleOutcome()) {
		t.Errorf("NewOutcomeMsg: sdk data = %+v, %v", o, err)
	}

	dl, err := NewDeadLetterMsg(DeadLetter{Reason: ReasonInvalidEvent, Subject: msg.Subject, Original: msg.Data, StreamSeq: 7, Account: "acme"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sdk = sdkRead(t, "NewDeadLetterMsg", dl)
	var d DeadLetter
	if err := sdk.DataAs(&d); err != nil || sdk.Type() != DeadLetterType || string(d.Original) != string(msg.Data) {
		t.Errorf("NewDeadLetterMsg: sdk event = %s, data %v", sdk, err)
	}
}

func TestDecodeAcceptsSDKOutput(t *testing.T) {
	sdk := event.New()
	sdk.SetID("sdk-1")
	sdk.SetSource(RequestSource("flow-42", "node-7"))
	sdk.SetType(RequestType)
	sdk.SetSubject("prof-123")
	sdk.SetTime(sampleTime)
	sdk.SetExtension("traceparent", sampleTraceParent)
	if err := sdk.SetData(event.ApplicationJSON, sampleRequest()); err != nil {
		t.Fatal(err)
	}
	b, err := format.JSON.Marshal(&sdk)
	if err != nil {
		t.Fatal(err)
	}
	ev, req, err := DecodeRequest(structuredHeader(), b)
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	if ev.ID != "sdk-1" || ev.TraceParent != sampleTraceParent || !reflect.DeepEqual(req, sampleRequest()) {
		t.Errorf("decoded %+v / %+v", ev, req)
	}
}

// The two benchmarks below are why the codec is hand-written (see the
// package documentation for the figures): each runs the hand-written path
// and the CloudEvents SDK doing the same work on the same event.

// BenchmarkSDKDecodeRequest decodes the benchmark's request event (6
// parameters, 2 headers, 10 profile attributes, nested trigger data) as
// the dispatcher does (RequestDecoder.DecodeReferenced, the node's
// configuration remembered), as DecodeRequest does (every event from
// scratch), and with the SDK: format.JSON.Unmarshal, Validate and DataAs.
func BenchmarkSDKDecodeRequest(b *testing.B) {
	msg := sampleRequestMsg(b)
	b.Run("DecodeReferenced", func(b *testing.B) {
		dec := NewRequestDecoder(0)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := dec.DecodeReferenced(msg.Header, msg.Data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := DecodeRequest(msg.Header, msg.Data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ev event.Event
			if err := format.JSON.Unmarshal(msg.Data, &ev); err != nil {
				b.Fatal(err)
			}
			if err := ev.Validate(); err != nil {
				b.Fatal(err)
			}
			var req Request
			if err := ev.DataAs(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSDKEncodeOutcome encodes the outcome of the benchmark's request
// event with NewOutcomeMsg (which also builds the NATS message and its
// route and summary headers) and with the SDK: the same attributes set on
// an event.Event, SetData and format.JSON.Marshal.
func BenchmarkSDKEncodeOutcome(b *testing.B) {
	msg := sampleRequestMsg(b)
	req, _, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		b.Fatal(err)
	}
	o := sampleOutcome()
	b.Run("NewOutcomeMsg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewOutcomeMsg(req, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ev := event.New()
			ev.SetID(OutcomeKey(o.Account, req.ID))
			ev.SetSource(OutcomeSource)
			ev.SetType(OutcomeType)
			ev.SetSubject(o.ProfileID)
			ev.SetTime(o.CompletedAt)
			ev.SetExtension("traceparent", req.TraceParent)
			ev.SetExtension("tracestate", req.TraceState)
			if err := ev.SetData(event.ApplicationJSON, o); err != nil {
				b.Fatal(err)
			}
			if _, err := format.JSON.Marshal(&ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}
