package flowevent

import "testing"

// BenchmarkDecodeValidateRequest is what the dispatcher does first with
// every event: decode the request event and validate the request, with
// DecodeRequest (every event decoded from scratch) and with a
// RequestDecoder (the node's decoding and validation remembered).
func BenchmarkDecodeValidateRequest(b *testing.B) {
	msg := sampleRequestMsg(b)
	b.Run("DecodeRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, req, err := DecodeRequest(msg.Header, msg.Data)
			if err != nil || req.Validate(ValidateOptions{}) != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RequestDecoder", func(b *testing.B) {
		dec := NewRequestDecoder(0)
		b.ReportAllocs()
		for b.Loop() {
			_, req, err := dec.Decode(msg.Header, msg.Data)
			if err != nil || req.Validate(ValidateOptions{}) != nil {
				b.Fatal(err)
			}
		}
	})
}
