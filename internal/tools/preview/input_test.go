package preview

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

const nodeJSON = `{"method":"GET","url":"https://crm.example.com/hook","params":[{"name":"email","from":"profile","path":"email"}],
"response":{"kind":"status","status":200},"on_error":"no"}`

func TestParseSample(t *testing.T) {
	msg, err := flowevent.NewRequestMsg("evt-9", flowevent.Request{
		Account: "acme", FlowID: "f", NodeID: "n", Profile: flowevent.Profile{ID: "p9"},
		Node: flowevent.NodeConfig{Method: "GET", URL: "https://x.example/", OnError: "exit", Response: flowevent.ResponseCheck{Kind: "status", Status: 200}},
	}, flowevent.WithTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
	if err != nil {
		t.Fatal(err)
	}
	profile := flowevent.Profile{ID: "given", Attributes: map[string]any{"email": "a@b.c"}}
	tests := []struct {
		name      string
		doc       string
		d         Defaults
		kind      Kind
		account   string
		profileID string
		eventID   string
	}{
		{"node", nodeJSON, Defaults{}, KindNode, DefaultAccount, DefaultProfileID, ""},
		{"node with defaults", nodeJSON, Defaults{Account: "acme", Profile: profile}, KindNode, "acme", "given", ""},
		{"request data", `{"account":"zeta","flow_id":"f","node_id":"n","node":` + nodeJSON + `,"profile":{"id":"own"}}`, Defaults{}, KindRequest, "zeta", "own", ""},
		{"request data, profile replaced", `{"account":"zeta","node":` + nodeJSON + `,"profile":{"id":"own"}}`, Defaults{Profile: profile}, KindRequest, "zeta", "given", ""},
		{"event", string(msg.Data), Defaults{Account: "ignored", Profile: profile}, KindEvent, "acme", "p9", "evt-9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, kind, err := ParseSample([]byte(tt.doc), tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if kind != tt.kind || s.Request.Account != tt.account || s.Request.Profile.ID != tt.profileID || s.Event.ID != tt.eventID {
				t.Errorf("kind %s account %s profile %s event %q", kind, s.Request.Account, s.Request.Profile.ID, s.Event.ID)
			}
			if err := s.Request.Validate(flowevent.ValidateOptions{}); err != nil {
				t.Errorf("parsed sample invalid: %v", err)
			}
			if tt.kind == KindEvent && s.Event.TraceParent == "" {
				t.Error("trace context lost")
			}
		})
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	tests := []struct {
		doc, want string
	}{
		{`{"method":"GET","urll":"x"}`, `unknown field "urll"`},
		{`{"method":7}`, `field "method": JSON number where a string expected`},
		{`{"method":"GET",}`, "invalid JSON at byte"},
		{`[1]`, "not a JSON object"},
		{`{"method":"GET"} {}`, "invalid JSON at byte 18"},
		{`{"node":{"method":"GET"},"profile":{"id":"p","attrs":{}}}`, `unknown field "attrs"`},
	}
	for _, tt := range tests {
		_, _, err := ParseSample([]byte(tt.doc), Defaults{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSample(%s) = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func TestParseProfileAndTrigger(t *testing.T) {
	p, err := ParseProfile([]byte(`{"id":"p1","attributes":{"score":12.50,"email":"a@b.c"}}`))
	if err != nil || p.ID != "p1" || p.Attributes["score"] != json.Number("12.50") {
		t.Errorf("full profile: %+v %v", p, err)
	}
	p, err = ParseProfile([]byte(`{"email":"a@b.c","first_name":"Ada"}`))
	if err != nil || p.ID != DefaultProfileID || p.Attributes["email"] != "a@b.c" {
		t.Errorf("bare attributes: %+v %v", p, err)
	}
	// An object with "id" is the profile, not its attributes (an emit
	// template {"id":"p-{{seq}}"} names the profile).
	p, err = ParseProfile([]byte(`{"id":"p-7"}`))
	if err != nil || p.ID != "p-7" || len(p.Attributes) != 0 {
		t.Errorf("profile with id only: %+v %v", p, err)
	}
	if _, err := ParseProfile([]byte(`{"email":"a@b.c","id":"p-1","zip":"1"}`)); err == nil ||
		!strings.Contains(err.Error(), `put "email", "zip" under "attributes"`) {
		t.Errorf("id beside attributes: %v", err)
	}
	p, err = ParseProfile([]byte(`{"attributes":{"id":"an attribute"}}`))
	if err != nil || p.ID != DefaultProfileID || p.Attributes["id"] != "an attribute" {
		t.Errorf("attributes only: %+v %v", p, err)
	}
	if _, err := ParseProfile([]byte(`{"id":"p","attributes":[1]}`)); err == nil || !strings.Contains(err.Error(), `field "attributes"`) {
		t.Errorf("bad attributes: %v", err)
	}
	tr, err := ParseTrigger([]byte(`{"type":"form_submitted","data":{"form":{"id":"f1"}}}`))
	if err != nil || tr.Type != "form_submitted" || tr.Data["form"] == nil {
		t.Errorf("full trigger: %+v %v", tr, err)
	}
	tr, err = ParseTrigger([]byte(`{"form":{"id":"f1"}}`))
	if err != nil || tr.Type != "sample" || tr.Data["form"] == nil {
		t.Errorf("bare data: %+v %v", tr, err)
	}
}

// FuzzParseSample checks that parsing never panics and that a parsed
// sample renders or fails with a request error.
func FuzzParseSample(f *testing.F) {
	f.Add([]byte(nodeJSON))
	f.Add([]byte(`{"node":{"method":"POST","url":"http://[::1]:8080/?a=%zz","headers":[{"name":"X","secret":"s"}]}}`))
	f.Add([]byte(`{"specversion":"1.0","id":"a","source":"flows/f/nodes/n","type":"io.flowhook.webhook.request.v1","data":{}}`))
	f.Add([]byte(`{"method":"GET","url":"https://h/?q=1&","params":[{"name":"","from":"static"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, _, err := ParseSample(doc, Defaults{})
		if err != nil {
			return
		}
		r, err := Render(t.Context(), s, Options{})
		if err != nil {
			if _, ok := RequestError(err); !ok {
				t.Fatalf("render error %T %v is not a request error", err, err)
			}
			return
		}
		if strings.Contains(r.URL+r.Curl, "fhsecret") {
			t.Fatalf("placeholder leaked: %s", r.Curl)
		}
	})
}
