// Package broadcast delivers a published notice to every follower of its
// audience. Publishing leaves a broadcast and a queued job; the job
// materializes one delivery row per follower with one INSERT ... SELECT,
// and the engine's workers claim batches of those rows, send each through
// the follower's channel and record what happened. The delivery ledger is
// the only state: a process killed at any moment loses at most the claim
// on the batch it was sending, which another worker takes over when the
// claim's lease runs out.
package broadcast

import (
	"context"
	"strconv"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// Channel sends one message to one follower: the sending half of the one
// channel contract, bridge.Channel, which embeds it (the contract lives in
// package bridge, which imports this one, so the engine declares only what
// it calls). E-mail, which has no settings page or inbound endpoint, is a
// Channel and nothing more.
type Channel interface {
	// Name is the channel's name as stored on followers (email, webhook…).
	Name() string
	// Send delivers m. It must return within ctx's deadline and never
	// panic on a bad address: that is a Failed result.
	Send(ctx context.Context, m *Message) Result
}

// BatchChannel (bridge.Batcher) is a channel that can also take many
// messages in one call
// (a chat platform's mass send). The engine gives it, in one call, every
// message of a claimed batch that goes through it; it returns one result
// per message, in the same order.
type BatchChannel interface {
	Channel
	SendBatch(ctx context.Context, msgs []*Message) []Result
}

// AccountRater is a channel with a send rate of its own for each account
// (an SMS number's messages per second, which its provider sets): the
// engine draws an account's sends on it from a bucket shared by every
// instance, as it does for the channel's limit. 0 is no limit.
type AccountRater interface {
	AccountRate(ctx context.Context, accountID int64) float64
}

// AccountKey is the limiter's bucket of an account's sends on channel ch
// (an AccountRater's): a channel that also sends outside broadcasts (SMS
// replies) draws those from the same bucket.
func AccountKey(ch string, accountID int64) string {
	return "channel:" + ch + ":" + strconv.FormatInt(accountID, 10)
}

// Recipient is the follower a message goes to.
type Recipient struct {
	FollowerID int64
	Channel    string
	Address    string
	Name       string
	// Language is the follower's language (en or zh).
	Language string
}

// Kinds of broadcast: the first publication of a notice, an update to it,
// and its end.
const (
	KindPublish  = models.KindPublish
	KindUpdate   = models.KindUpdate
	KindCancel   = models.KindCancel
	KindAllClear = models.KindAllClear
)

// Delivery states in the ledger.
const (
	DeliveryQueued  = "queued"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliveryDead    = "dead"
	DeliveryHeld    = "held"
	DeliverySkipped = "skipped"
)

// Content is a notice rendered in one language for one broadcast. Channels
// pick the form they can carry.
type Content struct {
	BroadcastID int64
	NoticeID    int64
	// Kind is publish, update, cancel or all_clear.
	Kind string
	// NoticeKind is transit, safety, general or update.
	NoticeKind string
	// Language is the language the content is in; it differs from the
	// recipient's when the notice has no version in theirs.
	Language      string
	AccountID     int64
	AccountHandle string
	AccountName   string
	// Subject is the title with the kind's marker ("Update: …").
	Subject string
	Title   string
	// Text is the body as plain text; HTML is the body rendered from
	// Markdown and sanitized.
	Text string
	HTML string
	// WhatToDo is the line of Text that tells a safety notice's reader
	// what to do ("" when it says nothing of it), for a channel that must
	// cut Text and should keep this line (SMS).
	WhatToDo string
	// URL is the notice's public page.
	URL       string
	Severity  string
	Emergency bool
	// Area is where the notice applies (nil: nowhere in particular), for
	// channels that carry data (the webhook).
	Area *area.Area
}

// Message is one delivery: content for one recipient.
type Message struct {
	Content *Content
	To      Recipient
	// Attempt counts from 1.
	Attempt int
	// DeliveryID is stable across retries of the same delivery, so a
	// receiver can drop a repeat ("<broadcast>-<follower>").
	DeliveryID string
}

// Outcome is what became of one send.
type Outcome int

const (
	// Sent: the channel accepted the message.
	Sent Outcome = iota
	// Retry: a temporary failure; try again after RetryAfter (or the
	// engine's backoff when zero).
	Retry
	// Failed: it will never work (a bad address, the follower blocked the
	// account). Not retried.
	Failed
)

// Result reports one send.
type Result struct {
	Outcome    Outcome
	RetryAfter time.Duration
	// Reason says why it was not sent, in words staff can act on; failures
	// are grouped by it.
	Reason string
	// Unsubscribe marks the follower unsubscribed: the channel said they
	// blocked the account or no longer exist there.
	Unsubscribe bool
	// Bounce marks the follower's address as bouncing (e-mail).
	Bounce bool
	// Detail is the error behind Reason, for the operator's log (with
	// secrets redacted); staff see only Reason.
	Detail error
}

// Because attaches the error behind the result's reason.
func (r Result) Because(err error) Result {
	r.Detail = err
	return r
}

// SentResult, RetryResult and FailedResult build results.
func SentResult() Result { return Result{Outcome: Sent} }

// RetryResult asks for another attempt after d (0: the engine's backoff).
func RetryResult(reason string, d time.Duration) Result {
	return Result{Outcome: Retry, Reason: reason, RetryAfter: d}
}

// FailedResult gives up on the delivery.
func FailedResult(reason string) Result { return Result{Outcome: Failed, Reason: reason} }
