package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a local server that counts the requests it gets.
type receiver struct {
	*httptest.Server
	hits atomic.Int32
}

// listen starts a receiver on addr (such as 127.0.0.1:0), or skips the
// test where this machine has no such address.
func listen(t *testing.T, addr string, h http.HandlerFunc) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if h != nil {
			h(w, req)
		}
	}))
	r.Listener = ln
	r.Start()
	t.Cleanup(r.Close)
	return r
}

func port(t *testing.T, r *receiver) string {
	t.Helper()
	u, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func policy(t *testing.T, allow string) *Policy {
	t.Helper()
	p, err := ParsePolicy(allow)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, c *http.Client, u string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// TestDialGuard is the guard against each kind of internal destination,
// first without the operator's allowance (refused, and nothing reaches
// the receiver), then with it (the guard lets the connection be made).
func TestDialGuard(t *testing.T) {
	v4 := listen(t, "127.0.0.1:0", nil)
	v6 := listen(t, "[::1]:0", nil)
	second := listen(t, "127.0.0.2:0", nil)
	// first answers on 127.0.0.1 with a redirect to 127.0.0.2.
	first := listen(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, second.URL+"/after-redirect", http.StatusFound)
	})
	tests := []struct {
		name  string
		url   string
		allow string
		// reach is the receiver that must get the request when allowed
		// and nothing when refused; nil where nothing listens (then an
		// allowed dial may fail any way but by the guard).
		reach *receiver
	}{
		{"IPv4 loopback", v4.URL, "127.0.0.1/32", v4},
		{"IPv6 loopback", v6.URL, "::1/128", v6},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port(t, v4), "127.0.0.1", v4},
		{"host name resolving to loopback", "http://localhost:" + port(t, v4), "127.0.0.1/32,::1/128", v4},
		{"host name allowed by name", "http://localhost:" + port(t, v4), "localhost", v4},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254/32", nil},
		{"private network", "http://10.0.0.1/", "10.0.0.0/8", nil},
		{"redirect to another loopback address", first.URL, "127.0.0.0/8", second},
	}
	for _, tt := range tests {
		t.Run(tt.name+", allowance unset", func(t *testing.T) {
			// The redirect's first server is allowed, so that it is the
			// redirect's target the guard refuses.
			allow := ""
			if tt.reach == second {
				allow = "127.0.0.1/32"
			}
			before := int32(0)
			if tt.reach != nil {
				before = tt.reach.hits.Load()
			}
			err := get(t, NewClient(policy(t, allow)), tt.url)
			if !errors.Is(err, ErrNotAllowed) || Reason(err) != "address not allowed" {
				t.Fatalf("err = %v (reason %q), want refused", err, Reason(err))
			}
			if tt.reach != nil && tt.reach.hits.Load() != before {
				t.Fatal("the request reached the receiver")
			}
			if tt.reach == second && first.hits.Load() == 0 {
				t.Fatal("the allowed first hop was not made")
			}
		})
		t.Run(tt.name+", allowance set", func(t *testing.T) {
			before := int32(0)
			if tt.reach != nil {
				before = tt.reach.hits.Load()
			}
			err := get(t, NewClient(policy(t, tt.allow)), tt.url)
			if tt.reach == nil {
				if errors.Is(err, ErrNotAllowed) {
					t.Fatalf("refused although allowed: %v", err)
				}
				return
			}
			if err != nil || tt.reach.hits.Load() != before+1 {
				t.Fatalf("err = %v, %d requests arrived", err, tt.reach.hits.Load()-before)
			}
		})
	}
}

func TestBlocked(t *testing.T) {
	g := newGuard(nil)
	for _, s := range []string{
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.0.1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"100.64.0.1", "100.100.100.200", "169.254.169.254", "169.254.0.1", "224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1",
		"::", "::1", "fc00::1", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "ff02::1", "ff05::2",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
	} {
		if !g.blocked(netip.MustParseAddr(s)) {
			t.Errorf("%s is not blocked", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::808:808", "::ffff:1.1.1.1"} {
		if g.blocked(netip.MustParseAddr(s)) {
			t.Errorf("%s is blocked", s)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := policy(t, " 127.0.0.1/32, ::1/128 ,Receiver.Test., 10.1.2.3, ::ffff:192.168.0.0/112")
	for _, tt := range []struct {
		addr string
		want bool
	}{{"127.0.0.1", true}, {"127.0.0.2", false}, {"::1", true}, {"10.1.2.3", true}, {"10.1.2.4", false}, {"192.168.5.5", true}} {
		if got := p.allowsAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("allows %s = %v", tt.addr, got)
		}
	}
	if !p.allowsHost("receiver.test") || !p.allowsHost("RECEIVER.TEST.") || p.allowsHost("other.test") {
		t.Error("host names are not matched as typed")
	}
	var none *Policy
	if none.allowsHost("localhost") || none.allowsAddr(netip.MustParseAddr("127.0.0.1")) {
		t.Error("a nil policy allows something")
	}
	for _, bad := range []string{"10.0.0.0/33", "http://x", "a b", "bad/host"} {
		if _, err := ParsePolicy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The chat platforms' API addresses the operator configured are allowed
// by name, beside the allowance, which stays as it was.
func TestWithHosts(t *testing.T) {
	p := policy(t, "receiver.test")
	w := p.WithHosts("http://127.0.0.1:8080/api", "https://API.Example.org", "::bad")
	if !w.allowsHost("127.0.0.1") || !w.allowsHost("api.example.org") || !w.allowsHost("receiver.test") {
		t.Error("configured hosts not allowed")
	}
	if p.allowsHost("api.example.org") {
		t.Error("WithHosts changed the policy it was called on")
	}
	var none *Policy
	if !none.WithHosts("http://proxy.internal").allowsHost("proxy.internal") || none.WithHosts().allowsHost("localhost") {
		t.Error("WithHosts on a nil policy")
	}
}

func TestClientUsesNoProxy(t *testing.T) {
	if tr := NewClient(nil).Transport.(*http.Transport); tr.Proxy != nil {
		t.Fatal("a proxy from the environment would dial in the guard's place")
	}
}

func TestRedirectLimit(t *testing.T) {
	var loop *receiver
	loop = listen(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+"/again", http.StatusFound)
	})
	err := get(t, NewClient(policy(t, "127.0.0.1")), loop.URL)
	if Reason(err) != "too many redirects" || loop.hits.Load() != MaxRedirects+1 {
		t.Fatalf("err = %v, %d hops", err, loop.hits.Load())
	}
}

func TestReason(t *testing.T) {
	closed := listen(t, "127.0.0.1:0", nil)
	closedURL := closed.URL
	closed.Close()
	banner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer banner.Close()
	go func() {
		for {
			c, err := banner.Accept()
			if err != nil {
				return
			}
			fmt.Fprint(c, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 SECRET\r\n")
			c.Close()
		}
	}()
	hang := listen(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := NewClient(policy(t, "127.0.0.1"))
	for _, tt := range []struct {
		name, url, want string
	}{
		{"closed port", closedURL, "could not connect"},
		{"not HTTP", "http://" + banner.Addr().String() + "/", "no valid HTTP answer"},
		{"slow", hang.URL, "timed out"},
		{"unknown host", "http://no-such-host.invalid/", "host not found"},
	} {
		err := get(t, c, tt.url)
		if got := Reason(err); got != tt.want || strings.Contains(got, "SECRET") {
			t.Errorf("%s: reason %q for %v, want %q", tt.name, got, err, tt.want)
		}
	}
	if Status(http.StatusForbidden) != "HTTP 403" || Reason(nil) != "" {
		t.Error("Status or Reason(nil)")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 7 ", 7 * time.Second},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"-5", 0},
		{"86400", time.Hour},
		{"soon", 0},
	} {
		if got := RetryAfter(tt.in, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
