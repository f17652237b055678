package models_test

import (
	"testing"

	"github.com/plazahq/plaza/models"
)

// TestContactFor: members whose role grants PermContacts see an address
// whole; everyone else a shortened form that does not reveal it.
func TestContactFor(t *testing.T) {
	tests := []struct {
		address, masked string
	}{
		{"alice@example.org", "a…@example.org"},
		{"陈小明@example.cn", "陈…@example.cn"},
		{"+15550100", "+1…00"},
		{"oGDPR1abcdef", "oG…ef"},
		{"12345", "…"},
		{"", ""},
	}
	for _, tt := range tests {
		for _, r := range models.AllRoles() {
			want := tt.masked
			if r.Can(models.PermContacts) {
				want = tt.address
			}
			if got := models.ContactFor(&models.Member{Role: r}, tt.address); got != want {
				t.Errorf("ContactFor(%s, %q) = %q; want %q", r, tt.address, got, want)
			}
		}
	}
}
