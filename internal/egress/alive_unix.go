//go:build unix

package egress

import (
	"errors"
	"net"
	"syscall"
)

// peeker is a connection's liveness check, made once per connection so
// that a check allocates nothing.
type peeker struct {
	rc    syscall.RawConn // nil: cannot check
	check func(fd uintptr) bool
	buf   [1]byte
	alive bool
}

// init prepares the check of tcp; on TLS connections waiting bytes count
// as alive (see alive).
func (p *peeker) init(tcp net.Conn, isTLS bool) {
	sc, ok := tcp.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	p.rc = rc
	p.check = func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
			p.alive = true // nothing to read: open
		case err != nil, n == 0: // reset, or closed (EOF)
			p.alive = false
		default: // bytes the peer sent unasked
			p.alive = isTLS
		}
		return true
	}
}

// alive reports whether an idle connection may still carry a request: its
// peer has not closed or reset it, and (on plain HTTP) has sent nothing
// unasked, such as a 408 before closing. A server closes idle connections
// after its own keep-alive timeout (5 s is common); a request written on
// such a connection would be lost to an error that no retry may repair,
// since a webhook is sent once per attempt. The check is one non-blocking
// peek at the socket (MSG_PEEK|MSG_DONTWAIT), made before a byte of the
// request is written. Bytes waiting on a TLS connection are taken as alive:
// they are usually a session ticket, which the TLS layer reads itself.
func alive(c *conn) bool {
	p := &c.peek
	if p.rc == nil {
		return true
	}
	p.alive = false
	if err := p.rc.Read(p.check); err != nil {
		return false
	}
	return p.alive
}
