package request

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// secretMap is a Secrets backed by a map.
// secretMap holds the secrets of account "acme", the account of event;
// no other account resolves any.
type secretMap map[string]string

func (m secretMap) Secret(account, name string) (string, bool) {
	if account != "acme" {
		return "", false
	}
	v, ok := m[name]
	return v, ok
}

// decodeJSON decodes s as request data is decoded: with UseNumber.
func decodeJSON[T any](t testing.TB, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// event returns a request event for node with the given attributes and
// trigger data (nil: no trigger).
func event(node flowevent.NodeConfig, attrs, trigger map[string]any) *flowevent.Request {
	req := &flowevent.Request{
		Account: "acme", FlowID: "f1", NodeID: "n1", Node: node,
		Profile: flowevent.Profile{ID: "p1", Attributes: attrs},
	}
	if trigger != nil {
		req.Trigger = &flowevent.Trigger{Type: "form.submitted", Data: trigger}
	}
	return req
}

func node(method, url string, params ...flowevent.Param) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: method, URL: url, Params: params,
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
		OnError:  flowevent.RouteNo,
	}
}

func static(name, value string) flowevent.Param {
	return flowevent.Param{Name: name, From: flowevent.FromStatic, Value: value}
}

func profile(name, path string) flowevent.Param {
	return flowevent.Param{Name: name, From: flowevent.FromProfile, Path: path}
}

func fromEvent(name, path string) flowevent.Param {
	return flowevent.Param{Name: name, From: flowevent.FromEvent, Path: path}
}

// mustBuild builds req or fails the test.
func mustBuild(t *testing.T, b *Builder, req *flowevent.Request, opts Options) (*http.Request, Target) {
	t.Helper()
	hr, tg, err := b.Build(context.Background(), "req-1", req, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return hr, tg
}
