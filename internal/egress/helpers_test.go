package egress

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

// countingListener accepts TCP connections and counts them. It is the
// "nothing may reach this" target of guard tests.
type countingListener struct {
	ln       net.Listener
	accepted atomic.Int64
	done     chan struct{}
}

func newCountingListener(t *testing.T, addr string) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	cl := &countingListener{ln: ln, done: make(chan struct{})}
	go cl.serve()
	t.Cleanup(cl.close)
	return cl
}

func (cl *countingListener) serve() {
	defer close(cl.done)
	for {
		c, err := cl.ln.Accept()
		if err != nil {
			return
		}
		cl.accepted.Add(1)
		c.Close()
	}
}

func (cl *countingListener) close() {
	cl.ln.Close()
	<-cl.done
}

func (cl *countingListener) port() int { return cl.ln.Addr().(*net.TCPAddr).Port }

// acceptedBeforeProbe connects once itself and waits until that probe has
// been accepted; connections are accepted in order, so the count minus the
// probe is every connection anyone opened before. No sleeps needed.
func (cl *countingListener) acceptedBeforeProbe(t *testing.T) int64 {
	t.Helper()
	before := cl.accepted.Load()
	c, err := net.Dial("tcp", cl.ln.Addr().String())
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	defer c.Close()
	poll.Until(t, 5*time.Second, "the probe connection is accepted", func() bool { return cl.accepted.Load() != before })
	// The probe was accepted last: everything counted before it came earlier.
	return cl.accepted.Load() - 1
}

// fakeDNS answers A and AAAA queries from a mutable table, in process: its
// resolver's Dial hands the Go resolver one end of a net.Pipe.
type fakeDNS struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr // lower-case name without trailing dot
	queries map[string]int          // A queries per name
}

func newFakeDNS() *fakeDNS {
	return &fakeDNS{answers: map[string][]netip.Addr{}, queries: map[string]int{}}
}

func (d *fakeDNS) set(name string, addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers[name] = nil
	for _, a := range addrs {
		d.answers[name] = append(d.answers[name], netip.MustParseAddr(a))
	}
}

func (d *fakeDNS) aQueries(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries[name]
}

func (d *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			client, server := net.Pipe()
			go d.serve(server)
			return client, nil
		},
	}
}

// serve answers length-prefixed (stream) DNS queries until the pipe closes.
func (d *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var n uint16
		if err := binary.Read(c, binary.BigEndian, &n); err != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		resp, err := d.answer(q)
		if err != nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

const (
	dnsTypeA    = 1
	dnsTypeAAAA = 28
)

// answer builds the response to query q: its question, then one record per
// address of the asked family. Unknown names get NXDOMAIN.
func (d *fakeDNS) answer(q []byte) ([]byte, error) {
	name, end, err := parseQuestion(q)
	if err != nil {
		return nil, err
	}
	qtype := binary.BigEndian.Uint16(q[end-4:])
	d.mu.Lock()
	addrs, known := d.answers[name]
	if qtype == dnsTypeA {
		d.queries[name]++
	}
	d.mu.Unlock()
	var records [][]byte
	for _, a := range addrs {
		if (qtype == dnsTypeA && a.Is4()) || (qtype == dnsTypeAAAA && a.Is6()) {
			records = append(records, a.AsSlice())
		}
	}
	return buildResponse(q[:2], q[12:end], qtype, records, known), nil
}

// parseQuestion returns the lower-case name of q's first question and the
// offset just past its type and class.
func parseQuestion(q []byte) (string, int, error) {
	if len(q) < 12 {
		return "", 0, errors.New("short query")
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return "", 0, errors.New("bad label")
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	end := i + 1 + 4
	if end > len(q) {
		return "", 0, errors.New("short question")
	}
	return strings.ToLower(strings.Join(labels, ".")), end, nil
}

func buildResponse(id, question []byte, qtype uint16, records [][]byte, known bool) []byte {
	flags := uint16(0x8180) // response, recursion desired and available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	m := append([]byte{}, id...)
	m = binary.BigEndian.AppendUint16(m, flags)
	m = binary.BigEndian.AppendUint16(m, 1) // questions
	m = binary.BigEndian.AppendUint16(m, uint16(len(records)))
	m = append(m, 0, 0, 0, 0) // authority, additional
	m = append(m, question...)
	for _, r := range records {
		m = append(m, 0xc0, 12) // pointer to the question's name
		m = binary.BigEndian.AppendUint16(m, qtype)
		m = binary.BigEndian.AppendUint16(m, 1) // class IN
		m = binary.BigEndian.AppendUint32(m, 0) // TTL
		m = binary.BigEndian.AppendUint16(m, uint16(len(r)))
		m = append(m, r...)
	}
	return m
}

func newListener(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listen %s: %v", addr, err)
	}
	return ln
}
