package flowevent

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
)

// withoutShared drops the decoder's bookkeeping for comparisons.
func withoutShared(r Request) Request {
	r.shared = nil
	return r
}

func TestRequestDecoderDecodesLikeDecodeRequest(t *testing.T) {
	dec := NewRequestDecoder(0)
	msg := sampleRequestMsg(t)
	wantEv, wantReq, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a miss, then a hit
		ev, req, err := dec.Decode(msg.Header, msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ev, wantEv) || !reflect.DeepEqual(withoutShared(req), wantReq) {
			t.Fatalf("decoder: %+v %+v\nwant %+v %+v", ev, req, wantEv, wantReq)
		}
		if req.shared == nil {
			t.Fatal("node not from the cache")
		}
	}
	_, a, _ := dec.Decode(msg.Header, msg.Data)
	_, b, _ := dec.Decode(msg.Header, msg.Data)
	if !sameSlice(a.Node.Params, b.Node.Params) {
		t.Error("two requests of one node do not share its decoding")
	}
}

func TestRequestDecoderFallsBack(t *testing.T) {
	dec := NewRequestDecoder(0)
	tests := map[string]func(m map[string]any){
		"node given twice": func(m map[string]any) {}, // edited below as raw JSON
		"bad node type":    func(m map[string]any) { m["data"].(map[string]any)["node"] = "x" },
		"null node":        func(m map[string]any) { m["data"].(map[string]any)["node"] = nil },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			payload := requestJSON(t, edit)
			if name == "node given twice" {
				payload = []byte(string(payload[:len(payload)-2]) + `,"node":{"timeout_ms":2000}}}`)
			}
			h := structuredHeader()
			ev1, r1, err1 := DecodeRequest(h, payload)
			ev2, r2, err2 := dec.Decode(h, payload)
			if !reflect.DeepEqual(ev1, ev2) || !reflect.DeepEqual(r1, withoutShared(r2)) || (err1 == nil) != (err2 == nil) {
				t.Fatalf("decoder differs:\n%+v %v\n%+v %v", r1, err1, r2, err2)
			}
			if err1 != nil && err1.Error() != err2.Error() {
				t.Errorf("errors differ: %v / %v", err1, err2)
			}
		})
	}
}

func TestRequestDecoderRemembersValidation(t *testing.T) {
	dec := NewRequestDecoder(0)
	payload := requestJSON(t, func(m map[string]any) {
		node := m["data"].(map[string]any)["node"].(map[string]any)
		node["method"] = "TRACE"
	})
	h := structuredHeader()
	_, plain, err := DecodeRequest(h, payload)
	if err != nil {
		t.Fatal(err)
	}
	want := plain.Validate(ValidateOptions{})
	for range 2 {
		_, req, err := dec.Decode(h, payload)
		if err != nil {
			t.Fatal(err)
		}
		got := req.Validate(ValidateOptions{})
		if got == nil || got.Error() != want.Error() {
			t.Fatalf("Validate = %v, want %v", got, want)
		}
		var verr *ValidationError
		if !errors.As(got, &verr) || !reflect.DeepEqual(verr.Problems, plain.Problems(ValidateOptions{})) {
			t.Fatalf("problems differ: %+v", verr)
		}
	}
	// A request whose node was replaced is validated afresh.
	_, req, _ := dec.Decode(h, payload)
	req.Node.Method = MethodGet
	if err := req.Validate(ValidateOptions{}); err != nil {
		t.Errorf("edited node still judged by its cached validation: %v", err)
	}
	// Other options are checked afresh too.
	payload = requestJSON(t, func(m map[string]any) {
		m["data"].(map[string]any)["node"].(map[string]any)["url"] = "http://hooks.example.com/in"
	})
	for range 2 {
		_, req, err = dec.Decode(h, payload)
		if err != nil || req.Validate(ValidateOptions{}) != nil {
			t.Fatalf("http node: %v / %v", err, req.Validate(ValidateOptions{}))
		}
		if err := req.Validate(ValidateOptions{HTTPSOnly: true}); err == nil {
			t.Fatal("https-only not applied to an http node")
		}
	}
}

func TestRequestDecoderBoundsItsCache(t *testing.T) {
	dec := NewRequestDecoder(8)
	for i := range 100 {
		payload := requestJSON(t, func(m map[string]any) {
			node := m["data"].(map[string]any)["node"].(map[string]any)
			node["url"] = "https://hooks.example.com/n" + strconv.Itoa(i)
		})
		if _, _, err := dec.Decode(structuredHeader(), payload); err != nil {
			t.Fatal(err)
		}
		if n := len(dec.nodes.entries); n > 8 {
			t.Fatalf("%d nodes kept, want at most 8", n)
		}
	}
}

func TestRequestDecoderConcurrent(t *testing.T) {
	dec := NewRequestDecoder(4)
	payloads := make([][]byte, 16)
	for i := range payloads {
		payloads[i] = requestJSON(t, func(m map[string]any) {
			m["data"].(map[string]any)["node"].(map[string]any)["timeout_ms"] = json.Number(strconv.Itoa(1000 + i))
		})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				_, req, err := dec.Decode(structuredHeader(), payloads[(g+i)%len(payloads)])
				if err != nil || req.Validate(ValidateOptions{}) != nil {
					t.Errorf("decode %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
