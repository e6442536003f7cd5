package main

import (
	"io"
	"net/netip"
	"reflect"
	"testing"
)

// TestSecurityFlags: the security switches of serve reach the service
// configuration, from flags and from FLOWHOOK_* variables, and bad values
// are refused.
func TestSecurityFlags(t *testing.T) {
	t.Setenv("FLOWHOOK_NATS_PASSWORD", "from-env")
	fs := newFlagSet("serve", "serve", "", io.Discard)
	f := bindServiceFlags(fs)
	err := parseFlags(fs, []string{
		"--https-only",
		"--allow-cidrs", "10.20.0.0/16, 192.168.1.7",
		"--deny-cidrs", "8.8.8.0/24",
		"--allow-hosts", "hooks.corp.example,*.svc.example",
		"--allow-ports", "443,8443",
		"--follow-redirects", "2",
		"--max-response-bytes", "1024",
		"--max-event-bytes", "4096",
		"--nats-user", "flowhook",
		"--nats-tls-ca", "ca.pem", "--nats-tls-cert", "c.pem", "--nats-tls-key", "k.pem",
		"--secrets-dir", "/run/secrets/flowhook",
	})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	c := f.config()
	checks := []struct {
		name      string
		got, want any
	}{
		{"https-only", c.Dispatch.Validate.HTTPSOnly, true},
		{"allow-cidrs", c.Egress.AllowCIDRs, []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.1.7/32")}},
		{"deny-cidrs", c.Egress.DenyCIDRs, []netip.Prefix{netip.MustParsePrefix("8.8.8.0/24")}},
		{"allow-hosts", c.Egress.AllowHosts, []string{"hooks.corp.example", "*.svc.example"}},
		{"allow-ports", c.Egress.AllowPorts, []int{443, 8443}},
		{"follow-redirects", c.Egress.FollowRedirects, 2},
		{"max-response-bytes", c.Egress.MaxResponseBytes, int64(1024)},
		{"max-event-bytes", c.Dispatch.MaxEventBytes, 4096},
		{"nats user", c.NATS.User, "flowhook"},
		{"nats password from env", c.NATS.Password, "from-env"},
		{"nats tls", []string{c.NATS.TLSCA, c.NATS.TLSCert, c.NATS.TLSKey}, []string{"ca.pem", "c.pem", "k.pem"}},
		{"secrets dir", c.Secrets.Dir, "/run/secrets/flowhook"},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

// TestSecurityFlagDefaults: with no flags the guard denies every internal
// range (no allow-list), follows no redirect and accepts http.
func TestSecurityFlagDefaults(t *testing.T) {
	fs := newFlagSet("serve", "serve", "", io.Discard)
	f := bindServiceFlags(fs)
	if err := parseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	c := f.config()
	if len(c.Egress.AllowCIDRs) != 0 || len(c.Egress.AllowHosts) != 0 || len(c.Egress.AllowPorts) != 0 {
		t.Errorf("default allow-lists %v %v %v, want none", c.Egress.AllowCIDRs, c.Egress.AllowHosts, c.Egress.AllowPorts)
	}
	if c.Egress.FollowRedirects != 0 || c.Dispatch.Validate.HTTPSOnly {
		t.Errorf("defaults follow %d redirects, https-only %v", c.Egress.FollowRedirects, c.Dispatch.Validate.HTTPSOnly)
	}
}

func TestSecurityFlagsRefuseBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"--allow-cidrs", "10.0.0.0/33"},
		{"--allow-cidrs", "intranet"},
		{"--deny-cidrs", "1.2.3"},
		{"--allow-ports", "https"},
	} {
		fs := newFlagSet("serve", "serve", "", io.Discard)
		bindServiceFlags(fs)
		if err := parseFlags(fs, args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
