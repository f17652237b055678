package project

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// Files is what deleting a project needs of the media domain
// (models/media), which owns a project's files and their bytes: they go
// in the transaction that deletes the project, before the project they
// point to.
type Files interface {
	DeleteProjectFiles(ctx context.Context, tx models.Core, projectID int64) error
}

// Accounts is what the service reads of the accounts' domain: the
// account a project belongs to, whose names and moderation setting a
// citizen sees with it. app.NewDomains wires it.
type Accounts interface {
	AccountByID(ctx context.Context, id int64) (*models.Account, error)
	AccountsByID(ctx context.Context, ids []int64) (map[int64]*models.Account, error)
	AccountByHandle(ctx context.Context, handle string) (*models.PublicAccount, error)
}

// Service is the projects' domain; see the package comment.
type Service struct {
	core     models.Core
	files    Files
	accounts Accounts
	queue    models.Enqueuer
	limits   models.Limits
	// districts checks that a project's districts are its organization's.
	districts Districts
	// answers commits web answers in groups (nil on a service bound to a
	// transaction).
	answers *answerQueue
}

// Districts is what the service needs of the districts' domain
// (models/district): which district ids are the organization's.
type Districts interface {
	Mine(ctx context.Context, orgID int64, ids []int64) ([]int64, error)
}

// ownDistricts refuses an area naming districts of another organization.
func (s *Service) ownDistricts(ctx context.Context, a *models.Account, in Input) error {
	if in.Area == nil || len(in.Area.Districts) == 0 {
		return nil
	}
	if s.districts == nil {
		return fmt.Errorf("project districts: no districts' domain wired")
	}
	mine, err := s.districts.Mine(ctx, a.OrgID(), in.Area.Districts)
	if err != nil {
		return err
	}
	if len(mine) != len(in.Area.Districts) {
		return models.FieldError("area_district", "err.choose_one")
	}
	return nil
}

// New builds the service on core (store.Core in app). files deletes a
// project's files with it, accounts reads the projects' accounts, queue
// takes the confirmation mail of an answer's revision, and limits are the
// anti-abuse limits of answers and reports (store.Limits()); districts
// checks the districts of a project's area (models/district).
func New(core models.Core, files Files, accounts Accounts, queue models.Enqueuer, limits models.Limits, districts Districts) *Service {
	s := &Service{core: core, files: files, accounts: accounts, queue: queue, limits: limits, districts: districts}
	s.answers = &answerQueue{s: s}
	return s
}

// with is the service bound to tx, a transaction's core, for the service's
// own calls inside a transaction it runs.
func (s *Service) with(tx models.Core) *Service {
	c := *s
	c.core = tx
	// Inside a transaction an answer is stored through it, never by the
	// group commit's own (on SQLite that would wait for the one write
	// connection the caller holds).
	c.answers = nil
	return &c
}

// InTx is the service bound to tx, the core of a transaction the caller
// runs (the chat router handles a message in one): on SQLite that
// transaction holds the one write connection, so the service must write
// through it.
func (s *Service) InTx(tx models.Core) *Service { return s.with(tx) }

// WithLimits returns a service that applies l instead (tests raise a
// limit to reach what lies past it).
func (s *Service) WithLimits(l models.Limits) *Service {
	c := *s
	c.limits = l
	if s.answers != nil {
		c.answers = &answerQueue{s: &c}
	}
	return &c
}

// enqueue adds job inside the transaction of s (a service from with).
func (s *Service) enqueue(ctx context.Context, job models.Job) error {
	if s.queue == nil {
		return fmt.Errorf("enqueue %s: no queue configured", job.Kind())
	}
	return s.queue.Enqueue(ctx, s.core.Conn(ctx), job)
}
