package flowevent

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
)

// slowDecode is how request data was decoded before decodeRequestFast.
func slowDecode(data []byte) (Request, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&req)
	return req, err
}

// checkSameDecode holds decodeRequestFast to encoding/json on data.
func checkSameDecode(t *testing.T, data []byte) {
	t.Helper()
	data = bytes.TrimLeft(data, " \t\r\n")
	if !jsoncodec.Valid(data) || len(data) == 0 || data[0] != '{' {
		return
	}
	fast, ok := decodeRequestFast(data, nil, false)
	slow, err := slowDecode(data)
	if !ok {
		if err == nil {
			t.Fatalf("fast decode gave up on %q, which encoding/json decodes", data)
		}
		return
	}
	if err != nil {
		t.Fatalf("fast decode accepted %q; encoding/json: %v", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decode of %q:\nfast %#v\nslow %#v", data, fast, slow)
	}
	// With a node cache: the same, or a fallback to encoding/json.
	cache := &nodeCache{max: 4, entries: map[string]*nodeEntry{}}
	for range 2 {
		if cached, ok := decodeRequestFast(data, cache, false); ok && !reflect.DeepEqual(withoutShared(cached), slow) {
			t.Fatalf("cached decode of %q:\nfast %#v\nslow %#v", data, cached, slow)
		}
	}
	// Referenced only: the same, but for the members no parameter can
	// reach.
	for range 2 {
		ref, ok := decodeRequestFast(data, cache, true)
		if !ok {
			continue
		}
		want := slow
		if ref.shared != nil {
			want = restrictToReferences(slow, referencesOf(&slow.Node))
		}
		if !reflect.DeepEqual(withoutShared(ref), want) {
			t.Fatalf("referenced decode of %q:\ngot  %#v\nwant %#v", data, ref, want)
		}
	}
}

// restrictToReferences is req with only the referenced members of the
// profile's attributes and the trigger's data.
func restrictToReferences(req Request, refs references) Request {
	restrict := func(m map[string]any, keep map[string]struct{}) map[string]any {
		if m == nil {
			return nil
		}
		out := map[string]any{}
		for k, v := range m {
			if _, ok := keep[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	req.Profile.Attributes = restrict(req.Profile.Attributes, refs.profile)
	if req.Trigger != nil {
		t := *req.Trigger
		t.Data = restrict(t.Data, refs.event)
		req.Trigger = &t
	}
	return req
}

func TestDecodeRequestFastAgrees(t *testing.T) {
	var sample map[string]json.RawMessage
	if err := json.Unmarshal(sampleRequestMsg(t).Data, &sample); err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		string(sample["data"]),
		`{}`, `{"account":null,"node":null,"profile":null,"trigger":null}`,
		`{"ACCOUNT":"a","Flow_Id":"f","account":"b"}`, `{"acco\u0075nt":"x"}`,
		`{"profile":{"id":"p","attributes":{"a":1,"a":2,"b":[],"c":{},"d":[1,"x",null,true,false,{"e":-1.5e3}]}}}`,
		`{"profile":{"attributes":{"a":1}},"profile":{"attributes":{"b":2}}}`,
		`{"profile":{"attributes":{"a":1}},"profile":{"attributes":null}}`,
		`{"trigger":{"type":"t","data":{"k":"v"}},"trigger":{"data":{"j":"w"}}}`,
		`{"trigger":{"type":"t"},"trigger":null}`,
		`{"profile":{"attributes":{"\u00e9\n":"\ud83d\ude00","x":"` + "\xff" + `"}}}`,
		`{"node":{"method":"GET","url":"https://x","params":[{"name":"a","from":"profile","path":"p"}]},"node":{"on_error":"no"}}`,
		`{"account":1}`, `{"profile":[]}`, `{"profile":{"attributes":[1]}}`, `{"trigger":"x"}`,
		`{"node":{"method":1}}`, `{"node":"x"}`, `{"profile":{"id":true}}`, `{"trigger":{"data":5}}`,
		`{"unknown":{"deep":[1,2,{"x":null}]},"account":"a"}`,
		`{"kccount":"x","ſrofile":{"id":"p"}}`, // Unicode folding: ſ folds to s, not p
		`{"profile":{"ID":"p","Attributes":{"A":1}}}`,
		// Referenced members, the profile before the node.
		`{"profile":{"id":"p","attributes":{"a.b":1,"a":{"b":2},"z":{"deep":[1,{"x":2}]},"c":"s"}},"trigger":{"type":"t","data":{"e":{"f":1},"g":[1]}},` +
			`"node":{"method":"GET","url":"https://x","params":[{"name":"p","from":"profile","path":"a.b"},{"name":"q","from":"event","path":"e.f"},{"name":"r","from":"static","value":"v"}]}}`,
		`{"node":{"method":"GET","url":"https://x","params":[{"name":"p","from":"profile","path":"c"}]},"profile":{"attributes":{"c":"\u00e9","d":1}},"profile":{"attributes":{"x":2,"c":null}}}`,
	}
	for _, in := range inputs {
		checkSameDecode(t, []byte(in))
	}
}

// FuzzDecodeRequestData holds the one-walk decoder to encoding/json.
func FuzzDecodeRequestData(f *testing.F) {
	var sample map[string]json.RawMessage
	if err := json.Unmarshal(sampleRequestMsg(f).Data, &sample); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(sample["data"]))
	f.Add([]byte(`{"profile":{"attributes":{"a":[1,{"b":null}],"a":"x"}},"trigger":null}`))
	f.Add([]byte(`{"Account":"a","node":{"method":"GET"},"trigger":{"data":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameDecode(t, data)
	})
}
