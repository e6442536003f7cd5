package egress

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultMaxResponseBytes       = 64 << 10
	DefaultMaxResponseHeaderBytes = 64 << 10
	DefaultConnectTimeout         = 5 * time.Second
	DefaultTLSHandshakeTimeout    = 5 * time.Second
	DefaultResponseHeaderTimeout  = 10 * time.Second
	DefaultIdleConnTimeout        = 60 * time.Second
	DefaultMaxIdleConnsPerHost    = 256
	DefaultMaxIdleConns           = 256
	DefaultUserAgent              = "flowhook/1"
)

// Config configures a Client. The zero value is a valid configuration:
// every destination in the deny list is blocked, any port is allowed,
// redirects are not followed and the defaults above apply.
type Config struct {
	// AllowCIDRs are address ranges allowed even when they fall inside the
	// deny list; they are checked first. IPv4-mapped IPv6 prefixes are
	// treated as the IPv4 prefixes they map.
	AllowCIDRs []netip.Prefix
	// AllowHosts are host names whose connections are allowed whatever
	// address they resolve to. An entry is an exact lower-case name
	// ("hooks.corp.example") or a suffix form ("*.corp.example", which
	// matches any name ending in ".corp.example" but not "corp.example").
	// The name checked is the host being dialled, before resolution.
	AllowHosts []string
	// AllowPorts, when not empty, are the only destination ports allowed,
	// for every destination (allow-listed ones included).
	AllowPorts []int
	// DenyCIDRs are denied in addition to the built-in deny list.
	DenyCIDRs []netip.Prefix
	// FollowRedirects is the number of redirects followed; 0 follows none
	// and returns a 3xx response as the response. When the limit is
	// reached, the last 3xx response is returned.
	FollowRedirects int
	// MaxResponseBytes bounds the body returned, counted after
	// decompression; bytes beyond it are not read. Default 64 KiB.
	MaxResponseBytes int64
	// MaxResponseHeaderBytes bounds the response headers. Default 64 KiB.
	MaxResponseHeaderBytes int64
	// ConnectTimeout, TLSHandshakeTimeout and ResponseHeaderTimeout bound
	// the stages of one request; defaults 5s, 5s, 10s. The request's
	// context bounds the whole exchange on top of them.
	ConnectTimeout        time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
	// MaxIdleConnsPerHost and MaxIdleConns bound the idle connection pool;
	// defaults 256 and 256 (a connection per default worker). An idle
	// connection holds about 25 KiB (two goroutines and 8 KiB of
	// buffers): 4096 of them, spread over many endpoints, were 100 MB;
	// with 10,000 endpoints, 256 instead of 512 took the peak resident set
	// under 64 MB and the collector's work near the memory limit down by
	// a quarter. IdleConnTimeout closes idle connections;
	// default 60s.
	MaxIdleConnsPerHost int
	MaxIdleConns        int
	IdleConnTimeout     time.Duration
	// UserAgent is sent when the request has no User-Agent header.
	// Default "flowhook".
	UserAgent string
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// RootCAs are the certificate authorities trusted; nil means the
	// system pool. Verification is never turned off.
	RootCAs *x509.CertPool
}

// withDefaults returns cfg with zero-valued fields set to their defaults.
func (cfg Config) withDefaults() Config {
	setDefault(&cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	setDefault(&cfg.MaxResponseHeaderBytes, DefaultMaxResponseHeaderBytes)
	setDefault(&cfg.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&cfg.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	setDefault(&cfg.ResponseHeaderTimeout, DefaultResponseHeaderTimeout)
	setDefault(&cfg.IdleConnTimeout, DefaultIdleConnTimeout)
	setDefault(&cfg.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	setDefault(&cfg.MaxIdleConns, DefaultMaxIdleConns)
	setDefault(&cfg.UserAgent, DefaultUserAgent)
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	return cfg
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// validate reports the first problem of a defaulted cfg.
func (cfg Config) validate() error {
	if err := validatePrefixes("allow CIDR", cfg.AllowCIDRs); err != nil {
		return err
	}
	if err := validatePrefixes("deny CIDR", cfg.DenyCIDRs); err != nil {
		return err
	}
	for _, h := range cfg.AllowHosts {
		if !validAllowHost(h) {
			return fmt.Errorf("%w: allow host %q is not a lower-case name or *.suffix", ErrInvalidConfig, h)
		}
	}
	for _, p := range cfg.AllowPorts {
		if p < 1 || p > 65535 {
			return fmt.Errorf("%w: allow port %d out of range", ErrInvalidConfig, p)
		}
	}
	if strings.ContainsAny(cfg.UserAgent, "\r\n") {
		return fmt.Errorf("%w: user agent contains CR or LF", ErrInvalidConfig)
	}
	return validateNonNegative(cfg)
}

func validateNonNegative(cfg Config) error {
	checks := []struct {
		name string
		bad  bool
	}{
		{"follow redirects", cfg.FollowRedirects < 0},
		{"max response bytes", cfg.MaxResponseBytes < 0},
		{"max response header bytes", cfg.MaxResponseHeaderBytes < 0},
		{"connect timeout", cfg.ConnectTimeout < 0},
		{"TLS handshake timeout", cfg.TLSHandshakeTimeout < 0},
		{"response header timeout", cfg.ResponseHeaderTimeout < 0},
		{"idle conn timeout", cfg.IdleConnTimeout < 0},
		{"max idle conns per host", cfg.MaxIdleConnsPerHost < 0},
		{"max idle conns", cfg.MaxIdleConns < 0},
	}
	for _, c := range checks {
		if c.bad {
			return fmt.Errorf("%w: %s is negative", ErrInvalidConfig, c.name)
		}
	}
	return nil
}

func validatePrefixes(what string, ps []netip.Prefix) error {
	for _, p := range ps {
		if !p.IsValid() {
			return fmt.Errorf("%w: %s %v is not a valid prefix", ErrInvalidConfig, what, p)
		}
	}
	return nil
}

// validAllowHost reports whether h is a lower-case host name, optionally in
// "*.suffix" form.
func validAllowHost(h string) bool {
	name := strings.TrimPrefix(h, "*.")
	if name == "" || len(name) > 253 || strings.HasSuffix(name, ".") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return false // addresses belong in AllowCIDRs
	}
	for _, label := range strings.Split(name, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
