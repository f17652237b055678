package models

import (
	"strings"
)

// This file holds what decides who sees personal data: contact details
// shown masked to staff without PermContacts, and signing secrets
// withheld from staff without PermSecrets.

// MaskContact shortens an address so staff without PermContacts can tell
// followers apart without learning how to reach them: the first letter
// and the domain of an e-mail address ("a…@example.org"), the first and
// last two characters of anything else ("+1…00"), or "…" alone for a
// short one.
func MaskContact(s string) string {
	if s == "" {
		return ""
	}
	if at := strings.LastIndex(s, "@"); at > 0 {
		r := []rune(s[:at])
		return string(r[0]) + "…" + s[at:]
	}
	r := []rune(s)
	if len(r) <= 6 {
		return "…"
	}
	return string(r[:2]) + "…" + string(r[len(r)-2:])
}

// ContactFor is s as m may see it: whole for members with PermContacts,
// masked for everyone else.
func ContactFor(m *Member, s string) string {
	if m.Can(PermContacts) {
		return s
	}
	return MaskContact(s)
}

// maskFollowers masks the addresses of fs for a member without
// PermContacts.
func maskFollowers(m *Member, fs []Follower) {
	if m.Can(PermContacts) {
		return
	}
	for i := range fs {
		fs[i].Address = MaskContact(fs[i].Address)
	}
}

// maskFeedbackContacts masks the contacts citizens left with fs for a
// member without PermContacts (the normalized key goes too: it is the
// same contact).
func maskFeedbackContacts(m *Member, fs []Feedback) {
	if m.Can(PermContacts) {
		return
	}
	for i := range fs {
		fs[i].Contact, fs[i].ContactKey = MaskContact(fs[i].Contact), nil
	}
}
