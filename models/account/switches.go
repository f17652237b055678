package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/plazahq/plaza/models"
)

// The account's switches other screens set: whether answers wait for a
// moderator (the projects' settings) and the agency id of its GTFS data
// (the delivery settings). They write the accounts table, so they are
// this domain's.

// SetFeedbackReview decides whether an account's feedback waits for a
// moderator before it is shown.
func (s *Service) SetFeedbackReview(ctx context.Context, m *models.Member, a *models.Account, review bool) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(a).Update("feedback_review", review).Error; err != nil {
			return fmt.Errorf("set feedback review: %w", err)
		}
		a.FeedbackReview = review
		detail := "published at once"
		if review {
			detail = "reviewed first"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.feedback_review", "@"+a.Handle, detail)
	})
}

// SetAgencyID sets the account's agency id in its GTFS data, used by its
// GTFS-realtime feed (empty: the handle).
func (s *Service) SetAgencyID(ctx context.Context, m *models.Member, a *models.Account, id string) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	id = strings.TrimSpace(id)
	if len(id) > 100 || strings.ContainsAny(id, "\x00\r\n\t") {
		return models.FieldError("agency_id", "channels.err_agency_id")
	}
	if id == a.GTFSAgencyID {
		return nil
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(&models.Account{}).Where("id = ?", a.ID).Update("gtfs_agency_id", id).Error; err != nil {
			return fmt.Errorf("set agency id: %w", err)
		}
		a.GTFSAgencyID = id
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.agency_id", "@"+a.Handle, id)
	})
}
