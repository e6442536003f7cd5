package nodestats

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestHandler(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.aggregator(nil).Run(ctx)
	e.waitCheckpoint(t, e.publish(t, 400))

	srv := httptest.NewServer(Handler(NewReader(e.js, "")))
	defer srv.Close()
	missing := httptest.NewServer(Handler(NewReader(e.js, "no_such_bucket")))
	defer missing.Close()

	node0 := e.want[NodeKey("acme", "flow.0", "node 0")]
	tests := []struct {
		name   string
		base   string
		query  string
		status int
		check  func(t *testing.T, body []byte)
	}{
		{"one node", srv.URL, "/v1/stats?account=acme&flow=flow.0&node=" + url.QueryEscape("node 0"), 200, func(t *testing.T, b []byte) {
			var v View
			mustJSON(t, b, &v)
			if v.Total != node0.Total || v.Errors != node0.Errors || v.FlowID != "flow.0" || v.LastError == nil || v.LastError.Status != 503 || len(v.ErrorsByMinute) != WindowMinutes {
				t.Errorf("view %+v, want total %d errors %d", v, node0.Total, node0.Errors)
			}
		}},
		{"one flow", srv.URL, "/v1/stats?account=acme&flow=flow.1", 200, func(t *testing.T, b []byte) {
			var r Report
			mustJSON(t, b, &r)
			if len(r.Nodes) != 5 || r.Total.Nodes != 5 || r.Total.Total != 200 || r.Total.Errors != 0 {
				t.Errorf("flow report: %d nodes, total %+v", len(r.Nodes), r.Total)
			}
		}},
		{"whole account", srv.URL, "/v1/stats?account=acme", 200, func(t *testing.T, b []byte) {
			var r Report
			mustJSON(t, b, &r)
			if len(r.Nodes) != 10 || r.Total.Total != 400 || r.Total.Errors != 100 || r.Nodes[0].FlowID != "flow.0" {
				t.Errorf("account report: %d nodes, total %+v", len(r.Nodes), r.Total)
			}
		}},
		{"worst", srv.URL, "/v1/stats/worst?account=acme&limit=3", 200, func(t *testing.T, b []byte) {
			var r Report
			mustJSON(t, b, &r)
			if len(r.Nodes) != 3 {
				t.Fatalf("%d worst nodes, want 3", len(r.Nodes))
			}
			for _, v := range r.Nodes {
				if v.FlowID != "flow.0" || !v.Spike {
					t.Errorf("worst node %s/%s (spike %v): want flow.0's spiking nodes first", v.FlowID, v.NodeID, v.Spike)
				}
			}
		}},
		{"unknown account has no nodes", srv.URL, "/v1/stats?account=other", 200, func(t *testing.T, b []byte) {
			var r Report
			mustJSON(t, b, &r)
			if len(r.Nodes) != 0 || r.Total.Total != 0 {
				t.Errorf("report %+v", r)
			}
		}},
		{"unknown node", srv.URL, "/v1/stats?account=acme&flow=flow.0&node=nope", 404, nil},
		{"no account", srv.URL, "/v1/stats?flow=flow.0", 400, nil},
		{"bad account", srv.URL, "/v1/stats?account=a.b", 400, nil},
		{"node without flow", srv.URL, "/v1/stats?account=acme&node=x", 400, nil},
		{"bad limit", srv.URL, "/v1/stats/worst?account=acme&limit=0", 400, nil},
		{"no bucket", missing.URL, "/v1/stats?account=acme", 503, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(tt.base + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
