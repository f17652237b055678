package mailer

import (
	"cmp"
	"context"
	"crypto/tls"
	"net"
	"slices"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// session is one open SMTP session.
type session struct {
	c *smtp.Client
	// conn is the connection under c, which go-mail does not expose: a
	// message's context closes it to end the session at once.
	conn net.Conn
	// broken is set when a context closed conn.
	broken bool
	// expiry closes the session while it waits in the pool.
	expiry *time.Timer
}

// quitTimeout bounds the QUIT of a session no longer needed.
const quitTimeout = 5 * time.Second

// quit ends the session politely; a server slow to answer is hung up on.
func (s *session) quit() {
	_ = s.c.UpdateDeadline(quitTimeout)
	_ = s.c.Quit()
	_ = s.conn.Close()
}

// drop hangs up on a session that may be out of step with the server.
func (s *session) drop() { _ = s.conn.Close() }

// idlePool keeps the sessions no message is using, at most max, each for
// at most timeout.
type idlePool struct {
	max     int
	timeout time.Duration

	mu       sync.Mutex
	sessions []*session // the most recently used last
	closed   bool
}

// take returns the most recently used idle session, the one least likely
// to have been closed by the server, or nil.
func (p *idlePool) take() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.sessions)
	if n == 0 {
		return nil
	}
	s := p.sessions[n-1]
	p.sessions = p.sessions[:n-1]
	// If the timer has already fired, expire finds the session gone and
	// leaves it to us.
	s.expiry.Stop()
	return s
}

// put keeps the session for the next message, or quits it when the pool
// is full or closed.
func (p *idlePool) put(s *session) {
	p.mu.Lock()
	if p.closed || len(p.sessions) >= p.max {
		p.mu.Unlock()
		s.quit()
		return
	}
	s.expiry = time.AfterFunc(p.timeout, func() { p.expire(s) })
	p.sessions = append(p.sessions, s)
	p.mu.Unlock()
}

func (p *idlePool) expire(s *session) {
	p.mu.Lock()
	i := slices.Index(p.sessions, s)
	if i >= 0 {
		p.sessions = slices.Delete(p.sessions, i, i+1)
	}
	p.mu.Unlock()
	if i >= 0 {
		s.quit()
	}
}

// close quits every idle session and keeps no more.
func (p *idlePool) close() {
	p.mu.Lock()
	sessions := p.sessions
	p.sessions, p.closed = nil, true
	p.mu.Unlock()
	for _, s := range sessions {
		s.expiry.Stop()
		s.quit()
	}
}

// len is how many sessions wait.
func (p *idlePool) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sessions)
}

// dialedKey carries a *dialed through go-mail's dial to dialFunc.
type dialedKey struct{}

// dialed is the connection of one dial in progress, so that the Send that
// asked for it can close it: go-mail's handshake (greeting, EHLO,
// STARTTLS, AUTH) heeds no context, and leaves the connection open when
// it fails.
type dialed struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// keep records the new connection; false means the dial was ended first.
func (d *dialed) keep(conn net.Conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	d.conn = conn
	return true
}

func (d *dialed) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.conn != nil {
		_ = d.conn.Close()
	}
}

// dialFunc connects as go-mail would (TCP, or TLS for smtps) and hands
// the connection to the dial's *dialed.
func dialFunc(implicitTLS bool, config *tls.Config) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := &net.Dialer{}
		var conn net.Conn
		var err error
		if implicitTLS {
			conn, err = (&tls.Dialer{NetDialer: nd, Config: config}).DialContext(ctx, network, addr)
		} else {
			conn, err = nd.DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		if d, ok := ctx.Value(dialedKey{}).(*dialed); ok && !d.keep(conn) {
			_ = conn.Close()
			return nil, cmp.Or(ctx.Err(), context.Canceled)
		}
		return conn, nil
	}
}
