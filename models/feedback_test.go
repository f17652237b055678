package models_test

import (
	"testing"

	"github.com/plazahq/plaza/models"
)

func TestContactKey(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"  ", "", true},
		{"Ming@Example.ORG", "email:ming@example.org", true},
		{" ming@example.org ", "email:ming@example.org", true},
		{"Ming <ming@example.org>", "", false},
		{"ming@localhost", "", false},
		{"ming@", "", false},
		{"+852 9123-4567", "tel:+85291234567", true},
		{"(852) 9123 4567", "tel:85291234567", true},
		{"9123.4567", "tel:91234567", true},
		{"12345", "", false},
		{"1234567890123456", "", false},
		{"91+234567", "", false},
		{"call me", "", false},
		{"１２３４５６７", "", false},
	}
	for _, tt := range tests {
		got, ok := models.ContactKey(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ContactKey(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
