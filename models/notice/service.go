package notice

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
)

// Accounts is what the service needs of the accounts' domain, whose
// table it does not query (but for the public pages' joins, see
// ActiveAlerts). app.NewDomains wires it.
type Accounts interface {
	// AccountByID loads an account; models.ErrNotFound when there is none.
	AccountByID(ctx context.Context, id int64) (*models.Account, error)
}

// Files is what deleting a notice needs of the media domain
// (models/media), which owns a notice's files and their bytes: they go
// in the transaction that deletes the notice.
type Files interface {
	DeleteNoticeFiles(ctx context.Context, tx models.Core, noticeID int64) error
}

// Service is the notices' domain: the editor's drafts, publication,
// updates and ends (each starting a broadcast through the Broadcaster),
// the scheduler's publications and expiries, and the public and API
// reads. It owns the table notices.
type Service struct {
	core        models.Core
	broadcaster models.Broadcaster
	accounts    Accounts
	places      Places
	stops       Stops
	// files deletes a draft's files with it (nil: the notices have none,
	// as in tools that build the service alone).
	files Files
}

// New builds the service on core (a Store's Core), starting broadcasts
// through b (package broadcast's Starter), reading accounts through
// accounts, districts and area targets through places
// (models/district), stops through stops (the GTFS timetables; nil
// when there are none), and deleting a draft's files through files
// (models/media).
func New(core models.Core, b models.Broadcaster, accounts Accounts, places Places, stops Stops, files Files) *Service {
	return &Service{core: core, broadcaster: b, accounts: accounts, places: places, stops: stops, files: files}
}

// with is the service bound to tx, for the steps of a transaction that
// share code with the service's own calls.
func (s *Service) with(tx models.Core) *Service {
	c := *s
	c.core = tx
	return &c
}

// accountNotice loads a notice of the account; its callers have asked
// Require about the account first.
func (s *Service) accountNotice(ctx context.Context, a *models.Account, id int64) (*models.Notice, error) {
	var n models.Notice
	if err := s.core.Conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).First(&n).Error; err != nil {
		return nil, models.NotFound(err, "notice")
	}
	return &n, nil
}

// lockNotice re-reads the notice inside a transaction, holding its row on
// PostgreSQL so that two editors' lifecycle changes run one after the
// other. (SQLite transactions already take the write lock up front.)
func (s *Service) lockNotice(ctx context.Context, n *models.Notice) error {
	q := s.core.Conn(ctx)
	if s.core.Dialect() == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(n, n.ID).Error; err != nil {
		return models.NotFound(err, "notice")
	}
	return nil
}

// startBroadcast writes a broadcast and the job that materializes it,
// inside the transaction s is bound to. Package broadcast owns the
// broadcasts and deliveries tables; this domain only calls it.
func (s *Service) startBroadcast(ctx context.Context, n *models.Notice, kind string, userID int64) (*models.Broadcast, error) {
	if s.broadcaster == nil {
		return nil, fmt.Errorf("start broadcast of notice %d: no broadcaster configured", n.ID)
	}
	return s.broadcaster.Start(ctx, s.core.Conn(ctx), n, kind, userID)
}
