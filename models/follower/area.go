package follower

import (
	"context"
	"fmt"
	"math"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// Places is what the service needs of the districts' domain
// (models/district): which chosen ids are the organization's districts,
// and the district a place falls in.
type Places interface {
	Mine(ctx context.Context, orgID int64, ids []int64) ([]int64, error)
	Locate(ctx context.Context, orgID int64, lat, lon float64) (*int64, error)
}

// AreaChoice is where a follower wants alerts for: everything, some
// districts (at least one), or a place (any point: it is rounded to
// about 100 m before it is stored).
type AreaChoice struct {
	Mode      string
	Districts []int64
	Lat, Lon  *float64
}

// Clean checks the choice without a database: a known mode, a place on
// the globe for AreaPlace, a district for AreaDistricts.
func (c AreaChoice) Clean() (AreaChoice, error) {
	switch c.Mode {
	case "", models.AreaAll:
		return AreaChoice{Mode: models.AreaAll}, nil
	case models.AreaDistricts:
		if len(c.Districts) == 0 {
			return c, models.FieldError("area_district", "follow.err_pick_district")
		}
		return AreaChoice{Mode: models.AreaDistricts, Districts: c.Districts}, nil
	case models.AreaPlace:
		if c.Lat == nil || c.Lon == nil || math.IsNaN(*c.Lat) || math.IsNaN(*c.Lon) ||
			*c.Lat < -90 || *c.Lat > 90 || *c.Lon < -180 || *c.Lon > 180 {
			return c, models.FieldError("place", "area.err_place")
		}
		lat, lon := area.Round(*c.Lat, *c.Lon)
		return AreaChoice{Mode: models.AreaPlace, Lat: &lat, Lon: &lon}, nil
	}
	return c, models.FieldError("area_mode", "err.choose_one")
}

// SetArea saves where a follower wants alerts for.
func (s *Service) SetArea(ctx context.Context, followerID int64, c AreaChoice) (*models.Follower, error) {
	f, err := s.FollowerByID(ctx, followerID)
	if err != nil {
		return nil, err
	}
	a, err := s.accounts.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	if err := s.tx(ctx, func(tx *Service) error { return tx.setArea(ctx, f, a, c) }); err != nil {
		return nil, err
	}
	return s.FollowerByID(ctx, followerID)
}

// setArea writes the choice on f with its precomputed cell, block and
// district, and the chosen districts, in the caller's transaction.
func (s *Service) setArea(ctx context.Context, f *models.Follower, a *models.Account, c AreaChoice) error {
	c, err := c.Clean()
	if err != nil {
		return err
	}
	if s.places == nil {
		if c.Mode == models.AreaAll {
			return nil
		}
		return fmt.Errorf("set area: no districts' domain wired")
	}
	upd := map[string]any{"area_mode": c.Mode, "place_lat": nil, "place_lon": nil, "place_cell": nil,
		"place_block": nil, "place_district_id": nil, "updated_at": s.core.Now()}
	var chosen []int64
	switch c.Mode {
	case models.AreaDistricts:
		if chosen, err = s.places.Mine(ctx, a.OrgID(), c.Districts); err != nil {
			return err
		}
		if len(chosen) != len(uniq(c.Districts)) {
			return models.FieldError("districts", "err.choose_one")
		}
	case models.AreaPlace:
		d, err := s.places.Locate(ctx, a.OrgID(), *c.Lat, *c.Lon)
		if err != nil {
			return err
		}
		upd["place_lat"], upd["place_lon"] = *c.Lat, *c.Lon
		upd["place_cell"], upd["place_block"] = area.Cell(*c.Lat, *c.Lon), area.Block(*c.Lat, *c.Lon)
		upd["place_district_id"] = d
	}
	if err := s.core.Conn(ctx).Model(&models.Follower{}).Where("id = ?", f.ID).Updates(upd).Error; err != nil {
		return fmt.Errorf("save area: %w", err)
	}
	if err := s.core.Conn(ctx).Exec(`DELETE FROM follower_districts WHERE follower_id = ?`, f.ID).Error; err != nil {
		return fmt.Errorf("clear districts: %w", err)
	}
	for _, d := range chosen {
		if err := s.core.Conn(ctx).Exec(`INSERT INTO follower_districts (follower_id, district_id) VALUES (?, ?)`, f.ID, d).Error; err != nil {
			return fmt.Errorf("save district: %w", err)
		}
	}
	return nil
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// districtsOf loads the districts a follower chose.
func (s *Service) districtsOf(ctx context.Context, followerID int64) ([]int64, error) {
	var ids []int64
	if err := s.core.Conn(ctx).Raw(`SELECT district_id FROM follower_districts WHERE follower_id = ? ORDER BY district_id`, followerID).
		Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("follower districts: %w", err)
	}
	return ids, nil
}

// Covers is what RelocatePlaces needs of the districts' domain.
type Covers interface {
	Covers(ctx context.Context, orgID int64) ([]models.DistrictCover, error)
}

// RelocatePlaces works out again the district of every follower with a
// place of the organization's accounts, after its districts were
// imported, replaced or deleted: one statement clears them, then one per
// district (in id order, the first district wins where they overlap)
// sets those whose lattice cell its cover holds. Cells are what Locate
// decides by too, so the two agree.
func (s *Service) RelocatePlaces(ctx context.Context, m *models.Member, accountIDs []int64, covers Covers) (int64, error) {
	if err := models.Require(m, models.PermManageSettings, m.Org.ID); err != nil {
		return 0, err
	}
	if len(accountIDs) == 0 {
		return 0, nil
	}
	cs, err := covers.Covers(ctx, m.Org.ID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(&models.Follower{}).Where("account_id IN ? AND area_mode = ?", accountIDs, models.AreaPlace).
			Update("place_district_id", nil).Error; err != nil {
			return fmt.Errorf("clear place districts: %w", err)
		}
		for _, c := range cs {
			res := tx.Conn(ctx).Exec(`UPDATE followers SET place_district_id = ?
				WHERE account_id IN ? AND area_mode = 'place' AND place_district_id IS NULL
				AND (place_block IN (SELECT c.cell FROM area_cells c WHERE c.cover_key = ? AND c.level = 0)
				  OR place_cell IN (SELECT c.cell FROM area_cells c WHERE c.cover_key = ? AND c.level = 1))`,
				c.ID, accountIDs, c.Cover, c.Cover)
			if res.Error != nil {
				return fmt.Errorf("locate places in district %d: %w", c.ID, res.Error)
			}
			n += res.RowsAffected
		}
		return nil
	})
	return n, err
}
