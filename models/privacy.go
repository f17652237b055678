package models

import (
	"strings"
	"time"
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

// MaskAddress is a follower's address for staff who may not see contact
// details: a contact masked, a browser's subscription (keys, not a
// contact, but no one's to copy) as its push service, as exports show it.
func MaskAddress(channel, address string) string {
	if channel == ChannelWebPush {
		return OutsideAddress(channel, address)
	}
	return MaskContact(address)
}

// ContactFor is a follower's address on channel as m may see it: whole
// for members with PermContacts, masked (MaskAddress) for everyone else.
func ContactFor(m *Member, channel, address string) string {
	if m.Can(PermContacts) {
		return address
	}
	return MaskAddress(channel, address)
}

// MaskFollowers masks the addresses of fs for a member without
// PermContacts.
func MaskFollowers(m *Member, fs []Follower) {
	if m.Can(PermContacts) {
		return
	}
	for i := range fs {
		fs[i].Address = MaskAddress(fs[i].Channel, fs[i].Address)
	}
}

// MaskFeedbackContacts masks the contacts citizens left with fs for a
// member without PermContacts (the normalized key goes too: it is the
// same contact).
func MaskFeedbackContacts(m *Member, fs []Feedback) {
	if m.Can(PermContacts) {
		return
	}
	for i := range fs {
		fs[i].Contact, fs[i].ContactKey = MaskContact(fs[i].Contact), nil
	}
}

// ChatMessageData and AnswerData are what a follower's data export
// (models/follower) holds of their chats (models/chat) and answers
// (models/project), which those domains read for it.

// ChatMessageData is one message of a follower's chats, in their data
// export.
type ChatMessageData struct {
	// Direction is "in" (they wrote) or "out" (the account answered).
	Direction string    `json:"direction"`
	Kind      string    `json:"kind"`
	Body      string    `json:"body"`
	At        time.Time `json:"at"`
}

// AnswerData is one answer a follower gave to a project, in their data
// export.
type AnswerData struct {
	ProjectID int64  `json:"project_id"`
	Project   string `json:"project"`
	Stance    string `json:"stance"`
	Comment   string `json:"comment"`
	Name      string `json:"name"`
	Contact   string `json:"contact"`
	District  string `json:"district"`
	// Answers maps each extra question (in English) to the answer.
	Answers     map[string][]string `json:"answers"`
	Status      string              `json:"status"`
	Response    string              `json:"official_response,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	Revisions   int                 `json:"revisions"`
	FromChannel string              `json:"channel"`
}
