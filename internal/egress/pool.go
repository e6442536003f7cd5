package egress

import (
	"net"
	"sync"
	"time"
)

// conn is one connection to an origin: TCP, or TLS over TCP.
type conn struct {
	net.Conn
	// tcp is the TCP connection under Conn, for the liveness check.
	tcp net.Conn
	// origin is the pool key: scheme://host:port, followed by the owner
	// and id of a ClientTLS identity for connections made with one.
	origin string
	// owner is the account of the connection's ClientTLS identity; "" for
	// connections without one, which any request to the origin may use.
	owner string
	// peek checks the socket for alive (see alive_unix.go); made once per
	// connection, so that a check allocates nothing.
	peek peeker
	// idleSince is when the connection went back to the pool.
	idleSince time.Time
	// prev and next link every idle connection, oldest first; olderSame
	// and newerSame link those of the same origin, olderOwn and newerOwn
	// those of the same owner.
	prev, next           *conn
	olderSame, newerSame *conn
	olderOwn, newerOwn   *conn
}

// idleList is the idle connections of one origin, oldest first.
type idleList struct {
	oldest, newest *conn
	n              int
}

// pool keeps idle keep-alive connections, per origin and in all: at most
// maxPerOrigin per origin (per origin and TLS identity) and maxIdle in all,
// and none older than idleTimeout. When there are too many in all, the
// oldest connection of the owner holding the most is closed: connections
// made with one account's client certificate are never given up to make
// room for another account's while that account holds as many (plain
// connections, owner "", are one owner among them; without identities
// this is simply the oldest connection). It starts no goroutine of its own: expired
// connections are closed by a timer, armed while any connection is idle.
// Taking and returning a connection allocates nothing. It is safe for
// concurrent use.
//
// fasthttp's own pool (HostClient) was measured against it and not used:
// it runs a goroutine per origin that holds a connection (10,000 origins,
// 10,000 goroutines) and has no bound on idle connections across origins;
// see the package doc.
type pool struct {
	maxIdle, maxPerOrigin int
	idleTimeout           time.Duration

	mu         sync.Mutex
	byOrigin   map[string]idleList
	byOwner    map[string]idleList // linked by olderOwn and newerOwn
	head, tail *conn               // every idle connection, oldest first
	n          int
	timer      *time.Timer // nil until first armed
	armed      bool
}

func newPool(maxIdle, maxPerOrigin int, idleTimeout time.Duration) *pool {
	return &pool{
		maxIdle: maxIdle, maxPerOrigin: maxPerOrigin, idleTimeout: idleTimeout,
		byOrigin: map[string]idleList{},
		byOwner:  map[string]idleList{},
	}
}

// get takes the most recently used idle connection to origin, or nil.
func (p *pool) get(origin string) *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.byOrigin[origin]
	if !ok {
		return nil
	}
	c := l.newest
	p.remove(c)
	return c
}

// put returns c to the pool, closing what the bounds leave no room for.
func (p *pool) put(c *conn) {
	if p.maxIdle <= 0 || p.maxPerOrigin <= 0 {
		c.Close()
		return
	}
	c.idleSince = time.Now()
	var evict [2]*conn
	n := 0
	p.mu.Lock()
	l := p.byOrigin[c.origin]
	c.olderSame, c.newerSame = l.newest, nil
	if l.newest != nil {
		l.newest.newerSame = c
	} else {
		l.oldest = c
	}
	l.newest = c
	l.n++
	p.byOrigin[c.origin] = l
	p.link(c)
	p.own(c)
	if l.n > p.maxPerOrigin {
		evict[n] = l.oldest
		n++
		p.remove(l.oldest)
	}
	if p.n > p.maxIdle {
		v := p.victim()
		evict[n] = v
		n++
		p.remove(v)
	}
	p.arm()
	p.mu.Unlock()
	for _, e := range evict[:n] {
		e.Close()
	}
}

// own links c as its owner's newest idle connection. p.mu is held.
func (p *pool) own(c *conn) {
	l := p.byOwner[c.owner]
	c.olderOwn, c.newerOwn = l.newest, nil
	if l.newest != nil {
		l.newest.newerOwn = c
	} else {
		l.oldest = c
	}
	l.newest = c
	l.n++
	p.byOwner[c.owner] = l
}

// disown unlinks c from its owner's idle connections. p.mu is held.
func (p *pool) disown(c *conn) {
	l := p.byOwner[c.owner]
	if c.olderOwn != nil {
		c.olderOwn.newerOwn = c.newerOwn
	} else {
		l.oldest = c.newerOwn
	}
	if c.newerOwn != nil {
		c.newerOwn.olderOwn = c.olderOwn
	} else {
		l.newest = c.olderOwn
	}
	c.olderOwn, c.newerOwn = nil, nil
	l.n--
	if l.n == 0 {
		delete(p.byOwner, c.owner)
		return
	}
	p.byOwner[c.owner] = l
}

// victim is the connection given up when the pool holds too many: the
// oldest of the owner holding the most. p.mu is held.
func (p *pool) victim() *conn {
	if len(p.byOwner) == 1 {
		return p.head // one owner: its oldest is the oldest
	}
	var most idleList
	for _, l := range p.byOwner {
		if l.n > most.n {
			most = l
		}
	}
	return most.oldest
}

// remove takes c out of the pool. p.mu is held.
func (p *pool) remove(c *conn) {
	p.unlink(c)
	p.disown(c)
	l := p.byOrigin[c.origin]
	if c.olderSame != nil {
		c.olderSame.newerSame = c.newerSame
	} else {
		l.oldest = c.newerSame
	}
	if c.newerSame != nil {
		c.newerSame.olderSame = c.olderSame
	} else {
		l.newest = c.olderSame
	}
	c.olderSame, c.newerSame = nil, nil
	l.n--
	if l.n == 0 {
		delete(p.byOrigin, c.origin)
		return
	}
	p.byOrigin[c.origin] = l
}

func (p *pool) link(c *conn) {
	c.prev, c.next = p.tail, nil
	if p.tail != nil {
		p.tail.next = c
	} else {
		p.head = c
	}
	p.tail = c
	p.n++
}

func (p *pool) unlink(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		p.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		p.tail = c.prev
	}
	c.prev, c.next = nil, nil
	p.n--
}

// arm makes the timer fire when the oldest idle connection expires.
// p.mu is held.
func (p *pool) arm() {
	if p.armed || p.head == nil {
		return
	}
	d := time.Until(p.head.idleSince.Add(p.idleTimeout))
	if p.timer == nil {
		p.timer = time.AfterFunc(d, p.expire)
	} else {
		p.timer.Reset(d)
	}
	p.armed = true
}

// expire closes the connections idle for idleTimeout and rearms.
func (p *pool) expire() {
	var old []*conn
	p.mu.Lock()
	p.armed = false
	cutoff := time.Now().Add(-p.idleTimeout)
	for p.head != nil && !p.head.idleSince.After(cutoff) {
		c := p.head
		p.remove(c)
		old = append(old, c)
	}
	p.arm()
	p.mu.Unlock()
	for _, c := range old {
		c.Close()
	}
}

// closeIdle closes every idle connection.
func (p *pool) closeIdle() {
	var all []*conn
	p.mu.Lock()
	for p.head != nil {
		c := p.head
		p.remove(c)
		all = append(all, c)
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.armed = false
	p.mu.Unlock()
	for _, c := range all {
		c.Close()
	}
}

// idle reports how many connections are idle.
func (p *pool) idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
