package handlers

import "testing"

func TestClientKey(t *testing.T) {
	for _, tt := range []struct {
		ip, want string
	}{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:DB8:1:2::BEEF", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"not an address", "not an address"},
		{"\xff", "?"},
	} {
		if got := clientKey(tt.ip); got != tt.want {
			t.Errorf("clientKey(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

// TestCookieNames: over https the session cookie takes the
// __Host- prefix, which a sibling subdomain cannot set; plain http cannot
// use it.
func TestCookieNames(t *testing.T) {
	if got := (Config{SecureCookies: true}).cookieName(sessionCookie); got != "__Host-plaza_session" {
		t.Errorf("https session cookie %q", got)
	}
	if got := (Config{}).cookieName(sessionCookie); got != "plaza_session" {
		t.Errorf("http session cookie %q", got)
	}
}
