package follower

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// Service is the followers' domain; see the package comment.
type Service struct {
	core     models.Core
	queue    models.Enqueuer
	limits   models.Limits
	accounts Accounts
	channels Channels
	codes    FollowCodes
	traces   Traces
	places   Places
}

// Accounts is what the service needs of the accounts' domain: the account
// a follower follows, and the user who uploaded an import.
// app.NewDomains wires it.
type Accounts interface {
	AccountByID(ctx context.Context, id int64) (*models.Account, error)
	UserByID(ctx context.Context, id int64) (*models.User, error)
}

// Channels is what the service needs of the channels' domain, which
// keeps the channels each account has set up: whether the follow page
// offers a channel, and the channels the follower filters offer. app.NewDomains wires it.
type Channels interface {
	ChannelEnabled(ctx context.Context, accountID int64, channel string) (bool, error)
	AccountChannels(ctx context.Context, accountID int64) ([]string, error)
	// Cached reads an account's settings for a channel (the SMS
	// channel's default region reads numbers given without +).
	Cached(ctx context.Context, accountID int64, name string) (*channel.Settings, error)
}

// FollowCodes is what the service needs of the follow-code domain
// (models/followcode, which owns the codes' table): the scenes of an
// account's codes (the follower filters offer them) and the scene of each
// code a follow came through (a follower's history shows it).
// *followcode.Service provides it.
type FollowCodes interface {
	Scenes(ctx context.Context, accountID int64) ([]string, error)
	ScenesOf(ctx context.Context, codeIDs []int64) (map[int64]string, error)
}

// Traces is what a follower's data request needs of the chat and project
// domains, which hold what the follower wrote to the account and
// answered to its projects: reading it for an export, and erasing it
// inside the transaction tx that deletes the follower, so the two go
// together. app.NewDomains wires it (its traces adapter, from
// models/chat and models/project).
type Traces interface {
	FollowerChats(ctx context.Context, f *models.Follower) ([]models.ChatMessageData, error)
	FollowerAnswers(ctx context.Context, f *models.Follower) ([]models.AnswerData, error)
	EraseTraces(ctx context.Context, tx models.Core, f *models.Follower) (messages, answers int64, err error)
}

// New builds the service on the shared core (store.Core in app). queue
// takes the confirmation and welcome mails, limits are the anti-abuse
// rules (store.Limits()), and the other domains it reaches are handed in:
// in app, the store for accounts and channels, the follow-code service
// for codes, and the chat and project services for traces.
// places locates followers' places and checks their districts
// (models/district).
func New(core models.Core, queue models.Enqueuer, limits models.Limits, accounts Accounts, channels Channels, codes FollowCodes, traces Traces, places Places) *Service {
	return &Service{core: core, queue: queue, limits: limits, accounts: accounts, channels: channels, codes: codes, traces: traces, places: places}
}

// with is a copy of the service bound to the transaction tx, for the
// steps of a change that must commit together.
func (s *Service) with(tx models.Core) *Service {
	c := *s
	c.core = tx
	return &c
}

// InTx is the service bound to a transaction its caller already runs
// (the chat router handles a message in one), so that what it writes
// commits or rolls back with the rest; on SQLite a write outside that
// transaction would wait for it and fail with models.ErrBusy.
func (s *Service) InTx(tx models.Core) *Service { return s.with(tx) }

// tx runs fn in one transaction with a service bound to it; fn must
// write through that service only (see models.Core.Tx).
func (s *Service) tx(ctx context.Context, fn func(tx *Service) error) error {
	return s.core.Tx(ctx, func(c models.Core) error { return fn(s.with(c)) })
}

// enqueue adds job to the queue; it must run inside tx.
func (s *Service) enqueue(ctx context.Context, job models.Job) error {
	if s.queue == nil {
		return fmt.Errorf("enqueue %s: no queue configured", job.Kind())
	}
	return s.queue.Enqueue(ctx, s.core.Conn(ctx), job)
}
