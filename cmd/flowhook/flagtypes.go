package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/internal/secret"
)

// stringList is a comma-separated list flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// prefixList is a comma-separated list of CIDR prefixes (a bare address is
// a single-address prefix).
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	parts := make([]string, len(*l))
	for i, p := range *l {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (l *prefixList) Set(v string) error {
	*l = nil
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return fmt.Errorf("not an address or CIDR: %q", s)
			}
			*l = append(*l, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("not a CIDR: %q", s)
		}
		*l = append(*l, p.Masked())
	}
	return nil
}

// intList is a comma-separated list of integers.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(v string) error {
	*l = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("not an integer: %q", s)
		}
		*l = append(*l, n)
	}
	return nil
}

// grantList is a list of shared-secret grants, ACCOUNT:NAME, comma-separated
// or repeated: every value adds to the list.
type grantList []secret.Grant

func (l *grantList) String() string {
	parts := make([]string, len(*l))
	for i, g := range *l {
		parts[i] = g.String()
	}
	return strings.Join(parts, ",")
}

func (l *grantList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		g, err := secret.ParseGrant(s)
		if err != nil {
			return err
		}
		*l = append(*l, g)
	}
	return nil
}
