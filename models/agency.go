package models

import (
	"context"
	"fmt"
	"strings"
)

// SetAgencyID sets the account's agency id in its GTFS data, used by its
// GTFS-realtime feed (empty: the handle).
func (s *Store) SetAgencyID(ctx context.Context, m *Member, a *Account, id string) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	id = strings.TrimSpace(id)
	if len(id) > 100 || strings.ContainsAny(id, "\x00\r\n\t") {
		return FieldError("agency_id", "channels.err_agency_id")
	}
	if id == a.GTFSAgencyID {
		return nil
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(&Account{}).Where("id = ?", a.ID).Update("gtfs_agency_id", id).Error; err != nil {
			return fmt.Errorf("set agency id: %w", err)
		}
		a.GTFSAgencyID = id
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.agency_id", "@"+a.Handle, id)
	})
}
