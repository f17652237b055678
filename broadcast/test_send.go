package broadcast

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

// Test sends are counted per staff member, so that "send me a test"
// cannot be turned into a way of mailing one address over and over.
const (
	TestSendLimit  = 10
	testSendWindow = time.Hour
)

// ErrTestLimit: the staff member has sent TestSendLimit tests within the
// hour.
var ErrTestLimit = errors.New("broadcast: too many test sends")

// TestSendError is a test the channel would not take; Reason is in words
// staff can act on.
type TestSendError struct {
	Reason string
	Err    error
}

func (e *TestSendError) Error() string {
	return fmt.Sprintf("test send refused (%s): %v", e.Reason, e.Err)
}

func (e *TestSendError) Unwrap() error { return e.Err }

// TestSend is one "send me a test": the notice to the staff member's own
// address, as a first publication would carry it.
type TestSend struct {
	Member  *models.Member
	Account *models.Account
	Notice  *models.Notice
	// Channel is the one the test goes through: e-mail, or the chat
	// app of a chat the staff member linked (Address, their chat id or
	// number there; "" for their e-mail address). Lang is the language
	// the staff member reads.
	Channel Channel
	Address string
	Lang    string
	BaseURL string
	Loc     *time.Location
}

// SendTest sends t.Notice, rendered as the engine renders a broadcast, to
// the staff member alone (their e-mail or a chat of theirs): no follower gets it and no broadcast or
// delivery is recorded. Those who may write the notice may test it; the
// subject is marked as a test so it is never mistaken for the real one.
func (s *Service) SendTest(ctx context.Context, t TestSend) error {
	if !t.Member.Can(models.PermWrite) {
		return models.ErrForbidden
	}
	ok, _, err := s.store.Hit(ctx, fmt.Sprintf("notice-test:%d", t.Member.User.ID), TestSendLimit, testSendWindow)
	if err != nil {
		return fmt.Errorf("test send: %w", err)
	}
	if !ok {
		return ErrTestLimit
	}
	c := Preview(t.Notice, t.Account, t.Lang, t.BaseURL, t.Loc)
	c.Subject = i18n.T(i18n.UILang(c.Language), "bc.test_subject", c.Subject)
	addr := t.Address
	if addr == "" {
		addr = t.Member.User.Email
	}
	to := Recipient{Channel: t.Channel.Name(), Address: addr, Name: t.Member.User.Name, Language: t.Lang}
	res := t.Channel.Send(ctx, &Message{Content: c, To: to, Attempt: 1,
		DeliveryID: fmt.Sprintf("test-%d-%d", t.Notice.ID, s.store.Now().UnixNano())})
	if res.Outcome != Sent {
		return &TestSendError{Reason: res.Reason, Err: res.Detail}
	}
	return nil
}
