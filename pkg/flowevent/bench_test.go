package flowevent

import "testing"

// BenchmarkDecodeRequest decodes a realistic structured request event: 6
// parameters, 2 headers, 10 profile attributes, nested trigger data.
func BenchmarkDecodeRequest(b *testing.B) {
	msg := sampleRequestMsg(b)
	b.SetBytes(int64(len(msg.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeRequest(msg.Header, msg.Data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRequestBinary is BenchmarkDecodeRequest in binary mode.
func BenchmarkDecodeRequestBinary(b *testing.B) {
	h, payload := binaryHeader(), binaryPayload(b)
	h["ce-id"] = []string{"evt-1"}
	delete(h, "CE-ID")
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeRequest(h, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeOutcome builds an outcome message for a decoded request.
func BenchmarkEncodeOutcome(b *testing.B) {
	msg := sampleRequestMsg(b)
	ev, _, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		b.Fatal(err)
	}
	o := sampleOutcome()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewOutcomeMsg(ev, o); err != nil {
			b.Fatal(err)
		}
	}
}
