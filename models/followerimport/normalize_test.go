package followerimport_test

import (
	"strings"
	"testing"

	"github.com/plazahq/plaza/models/followerimport"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"a@b.org", "a@b.org", true},
		{"  Alice@Example.ORG \n", "alice@example.org", true},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", true},
		{"", "", false},
		{"   ", "", false},
		{"alice", "alice", false},
		{"alice@", "alice@", false},
		{"@example.org", "@example.org", false},
		{"alice@localhost", "alice@localhost", false},
		{"alice@@example.org", "alice@@example.org", false},
		{"a b@example.org", "a b@example.org", false},
		{"Alice <alice@example.org>", "alice <alice@example.org>", false},
		{"alice@example.org, bob@example.org", "alice@example.org, bob@example.org", false},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org", true},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org", false},
	}
	for _, tt := range tests {
		got, ok := followerimport.NormalizeEmail(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
