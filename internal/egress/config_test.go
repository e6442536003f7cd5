package egress

import (
	"errors"
	"net/netip"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"full", Config{AllowCIDRs: pfx("127.0.0.0/8"), AllowHosts: []string{"a.example", "*.corp.example"}, AllowPorts: []int{443}, FollowRedirects: 3}, true},
		{"invalid prefix", Config{AllowCIDRs: []netip.Prefix{{}}}, false},
		{"invalid deny prefix", Config{DenyCIDRs: []netip.Prefix{{}}}, false},
		{"upper-case host", Config{AllowHosts: []string{"A.example"}}, false},
		{"host with port", Config{AllowHosts: []string{"a.example:443"}}, false},
		{"bare star", Config{AllowHosts: []string{"*"}}, false},
		{"inner star", Config{AllowHosts: []string{"a.*.example"}}, false},
		{"ip as host", Config{AllowHosts: []string{"127.0.0.1"}}, false},
		{"trailing dot", Config{AllowHosts: []string{"a.example."}}, false},
		{"port zero", Config{AllowPorts: []int{0}}, false},
		{"port too big", Config{AllowPorts: []int{65536}}, false},
		{"negative redirects", Config{FollowRedirects: -1}, false},
		{"negative body", Config{MaxResponseBytes: -1}, false},
		{"negative timeout", Config{ConnectTimeout: -1}, false},
		{"user agent CRLF", Config{UserAgent: "a\r\nX-Evil: 1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.ok {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				c.Close()
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg := Config{}.withDefaults()
	if cfg.MaxResponseBytes != 64<<10 || cfg.ConnectTimeout != DefaultConnectTimeout ||
		cfg.MaxIdleConnsPerHost != 256 || cfg.MaxIdleConns != 256 || cfg.Resolver == nil ||
		cfg.UserAgent != DefaultUserAgent || cfg.IdleConnTimeout != DefaultIdleConnTimeout {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if got := (Config{MaxResponseBytes: 10}).withDefaults().MaxResponseBytes; got != 10 {
		t.Errorf("explicit MaxResponseBytes overridden: %d", got)
	}
}
