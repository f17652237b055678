// Package outbound is the one way Plaza makes requests to addresses staff
// type (webhook endpoints, alert feeds): its client refuses loopback,
// private, link-local, shared (CGNAT), multicast, reserved and
// cloud-metadata addresses. The check runs when a connection is made, on
// the address actually dialled, so a host name that resolves to an
// internal address, a DNS answer that changes between a check and the
// dial, and every hop of a redirect are all covered.
//
// Operator settings (the SMTP server, the chat platforms' API servers) are
// trusted and do not go through this package.
package outbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotAllowed is the error of a connection to an address the policy
// refuses; Reason turns it into "address not allowed".
var ErrNotAllowed = errors.New("address not allowed")

// MaxRedirects is how many redirects the client follows; each hop is
// dialled, and so checked, anew.
const MaxRedirects = 5

// Policy is the operator's allowance (PLAZA_OUTBOUND_ALLOW): networks and
// host names that may be reached although they are internal, for a
// development or test setup with local receivers. A nil Policy allows
// nothing beyond public addresses.
type Policy struct {
	nets  []netip.Prefix
	hosts map[string]bool
}

// Loopback is the allowance for receivers on this machine's loopback: a
// development setup's, and the tests'.
const Loopback = "127.0.0.1/32,::1/128"

// ParsePolicy reads the allowance, comma-separated: networks in CIDR
// notation (10.0.0.0/8, ::1/128), single addresses (127.0.0.1) and host
// names (receiver.internal), which match the name in the URL as typed.
// An empty allowance is a nil Policy.
func ParsePolicy(list string) (*Policy, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	p := &Policy{hosts: map[string]bool{}}
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if pfx, err := netip.ParsePrefix(e); err == nil {
			p.nets = append(p.nets, unmapPrefix(pfx).Masked())
			continue
		}
		if a, err := netip.ParseAddr(e); err == nil {
			a = a.Unmap().WithZone("")
			p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		if !validHost(e) {
			return nil, fmt.Errorf("outbound allowance %q: want a network (10.0.0.0/8), an address or a host name", e)
		}
		p.hosts[normalHost(e)] = true
	}
	return p, nil
}

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

func validHost(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// WithHosts is p allowing the host names of urls too: addresses the
// operator configured (a chat platform's API, or a proxy for it) are
// theirs to trust, whatever they resolve to. p is not changed.
func (p *Policy) WithHosts(urls ...string) *Policy {
	out := &Policy{hosts: map[string]bool{}}
	if p != nil {
		out.nets = p.nets
		maps.Copy(out.hosts, p.hosts)
	}
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			out.hosts[normalHost(u.Hostname())] = true
		}
	}
	return out
}

func normalHost(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

func (p *Policy) allowsHost(host string) bool {
	return p != nil && p.hosts[normalHost(host)]
}

func (p *Policy) allowsAddr(a netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// blockedPrefixes are the ranges outside the netip predicates that
// guard.blocked also refuses: "this network", shared address space (CGNAT,
// and Alibaba Cloud's metadata service at 100.100.100.200), IETF protocol
// assignments, benchmarking, reserved (240/4 with the broadcast address),
// IPv4-compatible IPv6 and local-use NAT64.
func blockedPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4",
		"::/96", "64:ff9b:1::/48",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// guard decides, at connect time, whether an address may be dialled.
type guard struct {
	policy  *Policy
	refused []netip.Prefix
	// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
	// address in their last 32 bits, which is checked instead.
	nat64 netip.Prefix
}

func newGuard(p *Policy) *guard {
	return &guard{policy: p, refused: blockedPrefixes(), nat64: netip.MustParsePrefix("64:ff9b::/96")}
}

func (g *guard) blocked(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if g.nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() ||
		a.IsUnspecified() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		// IsPrivate covers fc00::/7 and so AWS's fd00:ec2::254;
		// IsLinkLocalUnicast covers 169.254.169.254.
		return true
	}
	for _, p := range g.refused {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// check is the dialer's Control: address is the IP and port about to be
// connected to, after any DNS resolution.
func (g *guard) check(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrNotAllowed, address)
	}
	a := ap.Addr().Unmap().WithZone("")
	if g.policy.allowsAddr(a) || !g.blocked(a) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotAllowed, a)
}

// NewTransport is a transport whose connections all pass the guard. It
// uses no proxy, as a proxy from the environment would make the
// connection in the guard's place.
func NewTransport(p *Policy) *http.Transport {
	g := newGuard(p)
	guarded := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.check}
	open := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// A host name the operator allows is trusted whatever it resolves
		// to; Control only sees addresses, so names are decided here.
		if host, _, err := net.SplitHostPort(addr); err == nil && p.allowsHost(host) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	// A broadcast sends to few hosts at a high rate: keep many connections
	// to one host alive.
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.IdleConnTimeout = 256, 256, 90*time.Second
	return t
}

// NewClient is the client for addresses staff type. It follows up to
// MaxRedirects redirects, each dialled through the guard; a caller that
// must not follow them (webhooks) copies it and sets CheckRedirect.
func NewClient(p *Policy) *http.Client {
	return &http.Client{Transport: NewTransport(p), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return errTooManyRedirects
		}
		return nil
	}}
}

var errTooManyRedirects = errors.New("too many redirects")

// Reason is what staff are told about a failed request: a few words,
// never the remote body or the transport's own message, which can carry
// a banner of whatever answered or tell a port scan open from closed.
// Log err itself where details are wanted.
func Reason(err error) string {
	if r, ok := TransportReason(err); ok || err == nil {
		return r
	}
	return "no valid HTTP answer"
}

// TransportReason is Reason for what kept a connection from giving an
// answer (refused, timed out, not found...), for any protocol; ok is false
// when err is none of these, and the answer itself was at fault.
func TransportReason(err error) (reason string, ok bool) {
	var dns *net.DNSError
	var op *net.OpError
	var netErr net.Error
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, ErrNotAllowed):
		return "address not allowed", true
	case errors.Is(err, errTooManyRedirects):
		return "too many redirects", true
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "timed out", true
	case errors.Is(err, context.Canceled):
		return "cancelled", true
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "host not found", true
		}
		return "host name lookup failed", true
	case isCertificate(err):
		return "certificate not accepted", true
	case errors.As(err, &op) && op.Op == "dial":
		return "could not connect", true
	}
	return "", false
}

func isCertificate(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// Status is what staff are told about an answer that is not a success:
// its status code only.
func Status(code int) string { return fmt.Sprintf("HTTP %d", code) }

// RetryAfter reads a Retry-After header (RFC 9110 §10.2.3) as seconds or
// an HTTP date, capped at an hour so that a receiver cannot park a
// delivery for days; anything else is 0, "retry on the usual backoff".
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Hour)
}
