package mailer

import (
	"strings"
	"time"

	"github.com/plazahq/plaza/auth"
)

// What a signed follower link is for, and how long it works.
const (
	PurposeConfirm     = "follow-confirm"
	PurposeUnsubscribe = "unsubscribe"
	PurposePreferences = "preferences"
	// PurposeAnswer confirms a revision of a consultation answer.
	PurposeAnswer = "answer-confirm"

	ConfirmTTL = 7 * 24 * time.Hour
	// Unsubscribe and preferences links must keep working long after the
	// message that carried them: people act on old mail.
	ManageTTL = 400 * 24 * time.Hour
)

// Links makes the signed URLs put in messages to followers.
type Links struct {
	BaseURL string
	Signer  *auth.Signer
	Now     func() time.Time
}

func (l *Links) url(path, purpose string, id int64, ttl time.Duration) string {
	return strings.TrimRight(l.BaseURL, "/") + path + l.Signer.Sign(purpose, id, l.Now().Add(ttl))
}

// Confirm is the double opt-in link.
func (l *Links) Confirm(followerID int64) string {
	return l.url("/f/confirm/", PurposeConfirm, followerID, ConfirmTTL)
}

// ConfirmAnswer is the link that makes a revision of a consultation
// answer the person's answer. It works as long as a follow confirmation.
func (l *Links) ConfirmAnswer(feedbackID int64) string {
	return l.url("/answers/confirm/", PurposeAnswer, feedbackID, ConfirmTTL)
}

// Unsubscribe is the one-click stop link.
func (l *Links) Unsubscribe(followerID int64) string {
	return l.url("/f/unsubscribe/", PurposeUnsubscribe, followerID, ManageTTL)
}

// Preferences lets the follower change topics and language.
func (l *Links) Preferences(followerID int64) string {
	return l.url("/f/preferences/", PurposePreferences, followerID, ManageTTL)
}

// Verify checks a token from one of these links.
func (l *Links) Verify(purpose, token string) (int64, error) {
	return l.Signer.Verify(purpose, token, l.Now())
}
