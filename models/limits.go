package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plazahq/plaza/auth"
)

// Limit is one anti-abuse rule: at most Max events in Window for one
// subject (a client address, a typed e-mail address, a contact, a chat
// sender). The counters live in the database (RateLimit), so a limit
// holds across every instance.
type Limit struct {
	// Key names the rule; a subject's counter is Key + ":" + subject.
	Key    string
	Max    int
	Window time.Duration
}

// Limits are Plaza's anti-abuse rules, in one table so that every way to
// an action (the web form, a chat conversation) is held to the same
// ones: the domain call applies them, not the handler in front of it.
// Sign-in has its own growing lock (Backoff, in handlers/auth.go).
type Limits struct {
	// FollowPerClient and FollowPerAddress bound the confirmation mail one
	// client, and one typed address, can cause: the mail goes to whatever
	// address is typed. A follow from a chat sends no mail and has none.
	FollowPerClient  Limit
	FollowPerAddress Limit
	// FeedbackPerClient counts every attempt to answer a consultation from
	// one client (an IP /64 on the web, the sender on a chat channel),
	// valid or not; operators set its Max with PLAZA_FEEDBACK_LIMIT.
	FeedbackPerClient Limit
	// FeedbackPerContact counts answers stored for one typed contact or
	// chat sender, wherever they come from; a citizen fixing a typo five
	// times is not abuse, so invalid attempts do not count.
	FeedbackPerContact Limit
	// ReportPerClient bounds the reports of comments from one client.
	ReportPerClient Limit
}

// DefaultLimits are the limits with the default feedback limit.
func DefaultLimits() Limits {
	return Limits{
		FollowPerClient:    Limit{Key: "follow:ip", Max: 20, Window: time.Hour},
		FollowPerAddress:   Limit{Key: "follow:addr", Max: 5, Window: time.Hour},
		FeedbackPerClient:  Limit{Key: "feedback:ip", Max: 30, Window: time.Hour},
		FeedbackPerContact: Limit{Key: "feedback:contact", Max: 5, Window: time.Hour},
		ReportPerClient:    Limit{Key: "report:ip", Max: 30, Window: time.Hour},
	}
}

// WithLimits returns a store that applies l.
func (s *Store) WithLimits(l Limits) *Store {
	c := *s
	c.limits = &l
	return &c
}

// Limits are the rules the store applies.
func (s *Store) Limits() Limits {
	if s.limits == nil {
		return DefaultLimits()
	}
	return *s.limits
}

// ErrLimited matches every LimitError.
var ErrLimited = errors.New("too many requests")

// LimitError says which limit an action ran into, and until when.
type LimitError struct {
	Limit Limit
	Until time.Time
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: more than %d in %v, until %s", e.Limit.Key, e.Limit.Max, e.Limit.Window, e.Until.Format(time.RFC3339))
}

func (e *LimitError) Is(target error) bool { return target == ErrLimited }

// AsLimit reports which limit err ran into, if any.
func AsLimit(err error) (*LimitError, bool) {
	var l *LimitError
	ok := errors.As(err, &l)
	return l, ok
}

// TakeLimit counts one event of subject against l, and refuses it past
// the limit with a *LimitError. It is on Core so every domain applies the
// same rules the same way.
func (s Core) TakeLimit(ctx context.Context, l Limit, subject string) error {
	ok, until, err := s.Hit(ctx, l.Key+":"+subject, l.Max, l.Window)
	if err != nil {
		return err
	}
	if !ok {
		return &LimitError{Limit: l, Until: until}
	}
	return nil
}

// GiveBack takes back one event of subject counted against l in its
// current window, for an event counted first (TakeLimit) that then did
// not happen.
func (s Core) GiveBack(ctx context.Context, l Limit, subject string) error {
	err := s.Conn(ctx).Exec("UPDATE rate_limits SET hits = hits - 1 WHERE key = ? AND hits > 0 AND window_end > ?",
		l.Key+":"+subject, s.Now()).Error
	if err != nil {
		return fmt.Errorf("give back a count of %s: %w", l.Key, err)
	}
	return nil
}

// AddressSubject is the subject of a typed e-mail address: its hash, so
// the counters hold no addresses, and one address however it is spelled.
func AddressSubject(typed string) string {
	email, ok := NormalizeEmail(typed)
	if !ok {
		email = typed
	}
	return auth.HashToken(email)
}
