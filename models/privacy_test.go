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
			if got := models.ContactFor(&models.Member{Role: r}, models.ChannelEmail, tt.address); got != want {
				t.Errorf("ContactFor(%s, %q) = %q; want %q", r, tt.address, got, want)
			}
		}
	}
}

// TestContactForBrowser: a browser's subscription is never shown to
// staff who may not see contact details, not even shortened (a short
// form of JSON would show its keys' ends): they see its push service.
func TestContactForBrowser(t *testing.T) {
	sub := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}}`
	for _, r := range models.AllRoles() {
		want := "browser (fcm.googleapis.com)"
		if r.Can(models.PermContacts) {
			want = sub
		}
		if got := models.ContactFor(&models.Member{Role: r}, models.ChannelWebPush, sub); got != want {
			t.Errorf("ContactFor(%s, webpush) = %q; want %q", r, got, want)
		}
	}
}
