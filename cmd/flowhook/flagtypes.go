package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/internal/secret"
)

// The list flags below accumulate: a flag given several times keeps every
// value, and each value may itself be a comma-separated list, so
// "--allow-cidrs a --allow-cidrs b" and "--allow-cidrs a,b" mean the same.
// listUsage ends their usage text.
const listUsage = " (repeat the flag or comma-separate)"

// stringList is a list flag of strings.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// prefixList is a list flag of CIDR prefixes (a bare address is a
// single-address prefix).
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	parts := make([]string, len(*l))
	for i, p := range *l {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (l *prefixList) Set(v string) error {
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

// intList is a list flag of integers.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(v string) error {
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

// joinedList is a list flag kept as one string, its values joined by sep
// (NATS server URLs joined by commas, as nats.Connect takes them). The
// first value given replaces the default; later ones are appended.
type joinedList struct {
	dst *string
	sep string
	set bool
}

func newJoinedList(dst *string, def, sep string) *joinedList {
	*dst = def
	return &joinedList{dst: dst, sep: sep}
}

func (l *joinedList) String() string {
	if l == nil || l.dst == nil {
		return ""
	}
	return *l.dst
}

func (l *joinedList) Set(v string) error {
	var parts []string
	if l.set && *l.dst != "" {
		parts = append(parts, *l.dst)
	}
	for _, s := range strings.Split(v, l.sep) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	*l.dst, l.set = strings.Join(parts, l.sep), true
	return nil
}
