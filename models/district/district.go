// Package district is the domain of an organization's districts: named
// polygons imported from a GeoJSON file, renamed per language, drawn on
// maps, and the covers that turn an area into lattice cells for the
// audience of a broadcast. It owns the tables districts, area_covers and
// area_cells (models/follower reads area_cells in AudienceFrom, the one
// statement choosing an audience).
//
//   - One service type, built in app (district.New(store.Core)) and
//     handed to handlers, the followers' domain (which locates a
//     follower's place in a district), the notices' domain (which turns a
//     notice's area into a broadcast target), the feeds and the demo.
//   - Writes check permissions with models.Require first (settings:
//     owners), return the typed errors of package models or the area
//     package's *area.Problem, and never know about HTTP.
package district

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// Service is the districts' domain.
type Service struct {
	core models.Core
}

// New builds the service on core (a Store's Core).
func New(core models.Core) *Service { return &Service{core: core} }

// Shape is a district with its geometry read.
type Shape struct {
	models.District
	Polygons orb.MultiPolygon
}

func shapeOf(d models.District) Shape {
	var m orb.MultiPolygon
	_ = json.Unmarshal([]byte(d.Geometry), &m) // written by Import from a checked MultiPolygon
	return Shape{District: d, Polygons: m}
}

// List is the organization's districts with their geometry, by name.
func (s *Service) List(ctx context.Context, orgID int64) ([]Shape, error) {
	var ds []models.District
	if err := s.core.Conn(ctx).Where("organization_id = ?", orgID).Order("name, id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list districts: %w", err)
	}
	out := make([]Shape, len(ds))
	for i, d := range ds {
		out[i] = shapeOf(d)
	}
	return out, nil
}

// Count is how many districts the organization has.
func (s *Service) Count(ctx context.Context, orgID int64) (int64, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&models.District{}).Where("organization_id = ?", orgID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count districts: %w", err)
	}
	return n, nil
}

// Mine keeps the ids among ids that are districts of the organization,
// sorted: what a follower or an editor may choose.
func (s *Service) Mine(ctx context.Context, orgID int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []int64
	if err := s.core.Conn(ctx).Model(&models.District{}).Where("organization_id = ? AND id IN ?", orgID, ids).
		Order("id").Pluck("id", &out).Error; err != nil {
		return nil, fmt.Errorf("check districts: %w", err)
	}
	return out, nil
}

// Locate is the district a point falls in (the first by id where
// districts overlap), or nil.
func (s *Service) Locate(ctx context.Context, orgID int64, lat, lon float64) (*int64, error) {
	var ds []models.District
	if err := s.core.Conn(ctx).Where("organization_id = ? AND min_lat <= ? AND max_lat >= ? AND min_lon <= ? AND max_lon >= ?",
		orgID, lat, lat, lon, lon).Order("id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("locate district: %w", err)
	}
	for _, d := range ds {
		sh := shapeOf(d)
		if (area.Area{Polygons: sh.Polygons}).Contains(lat, lon) {
			return &d.ID, nil
		}
	}
	return nil, nil
}

// Import reads a GeoJSON FeatureCollection of districts into the
// organization: a district whose code is already there gets the file's
// name and shape (followers who chose it keep it), a new code is added,
// and, with replace, districts missing from the file are deleted (their
// followers fall back to everything). A bad file changes nothing and
// comes back as an *area.Problem saying which feature and why.
func (s *Service) Import(ctx context.Context, m *models.Member, orgID int64, data []byte, replace bool) (int, error) {
	if err := models.Require(m, models.PermManageSettings, orgID); err != nil {
		return 0, err
	}
	ds, err := area.ParseDistricts(data)
	if err != nil {
		return 0, err
	}
	err = s.core.Tx(ctx, func(tx models.Core) error {
		now := tx.Now()
		codes := make([]string, 0, len(ds))
		for _, d := range ds {
			geom, _ := json.Marshal(d.Geometry)
			b := d.Geometry.Bound()
			row := models.District{OrganizationID: orgID, Code: d.Code, Name: d.Name, Translations: models.Translations{},
				Geometry: string(geom), MinLat: b.Min[1], MinLon: b.Min[0], MaxLat: b.Max[1], MaxLon: b.Max[0],
				CreatedAt: now, UpdatedAt: now}
			err := tx.Conn(ctx).Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "organization_id"}, {Name: "code"}},
				DoUpdates: clause.AssignmentColumns([]string{"name", "geometry", "min_lat", "min_lon", "max_lat", "max_lon", "updated_at"}),
			}).Create(&row).Error
			if err != nil {
				return fmt.Errorf("save district %s: %w", d.Code, err)
			}
			codes = append(codes, d.Code)
		}
		if replace {
			if err := tx.Conn(ctx).Where("organization_id = ? AND code NOT IN ?", orgID, codes).Delete(&models.District{}).Error; err != nil {
				return fmt.Errorf("delete districts not in the file: %w", err)
			}
		}
		return tx.Audit(ctx, orgID, m.User.ID, "district.import", "organization", fmt.Sprintf("%d districts", len(ds)))
	})
	if err != nil {
		return 0, err
	}
	return len(ds), nil
}

// Rename sets a district's name in each language of names (empty texts
// are dropped).
func (s *Service) Rename(ctx context.Context, m *models.Member, orgID, id int64, names models.Translations) error {
	if err := models.Require(m, models.PermManageSettings, orgID); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		var d models.District
		if err := tx.Conn(ctx).Where("id = ? AND organization_id = ?", id, orgID).First(&d).Error; err != nil {
			return models.NotFound(err, "district")
		}
		clean := models.Translations{}
		for _, l := range names.Langs() {
			if n := names.Get(l, "name"); n != "" {
				if len([]rune(n)) > 200 {
					return models.FieldError("name."+l, "err.too_long")
				}
				clean.Set(l, "name", n)
			}
		}
		if err := tx.Conn(ctx).Model(&d).Updates(map[string]any{"translations": clean, "updated_at": tx.Now()}).Error; err != nil {
			return fmt.Errorf("rename district: %w", err)
		}
		return tx.Audit(ctx, orgID, m.User.ID, "district.rename", "district "+d.Code, d.Name)
	})
}

// Delete removes a district. Followers who chose it lose it (those left
// with none get everything again); notices naming it keep their other
// districts and shapes.
func (s *Service) Delete(ctx context.Context, m *models.Member, orgID, id int64) error {
	if err := models.Require(m, models.PermManageSettings, orgID); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		var d models.District
		if err := tx.Conn(ctx).Where("id = ? AND organization_id = ?", id, orgID).First(&d).Error; err != nil {
			return models.NotFound(err, "district")
		}
		if err := tx.Conn(ctx).Delete(&d).Error; err != nil {
			return fmt.Errorf("delete district: %w", err)
		}
		return tx.Audit(ctx, orgID, m.User.ID, "district.delete", "district "+d.Code, d.Name)
	})
}

// Target turns an area into the audience part a broadcast stores: the
// districts it names or its shapes meet (for followers who chose
// districts), the districts it names (for followers with a place, whose
// district is known), and its shapes' cover, stored here once per shape
// set. A zero area is no limit (nil).
func (s *Service) Target(ctx context.Context, orgID int64, a area.Area, unlocated bool) (*models.AreaTarget, error) {
	if a.IsZero() {
		return nil, nil
	}
	a = a.Normalize()
	mine, err := s.Mine(ctx, orgID, a.Districts)
	if err != nil {
		return nil, err
	}
	t := &models.AreaTarget{PlaceDistricts: mine, Unlocated: unlocated}
	picked := slices.Clone(mine)
	if a.Shapes() {
		all, err := s.List(ctx, orgID)
		if err != nil {
			return nil, err
		}
		for _, d := range all {
			if !slices.Contains(picked, d.ID) && a.Meets(d.Polygons) {
				picked = append(picked, d.ID)
			}
		}
		if t.Cover, err = s.cover(ctx, a); err != nil {
			return nil, err
		}
	}
	sort.Slice(picked, func(i, j int) bool { return picked[i] < picked[j] })
	t.Districts = picked
	return t, nil
}

// coverRow and cellRow are the rows of area_covers and area_cells.
type coverRow struct {
	CoverKey string `gorm:"primaryKey"`
	Blocks   int
	Cells    int
}

func (coverRow) TableName() string { return "area_covers" }

type cellRow struct {
	CoverKey string
	Level    int
	Cell     int64
}

func (cellRow) TableName() string { return "area_cells" }

// cover stores the cover of a's shapes unless it is there already and
// returns its key. Two instances computing the same cover at once meet
// at the key: the second's rows are ignored.
func (s *Service) cover(ctx context.Context, a area.Area) (string, error) {
	key := a.Key()
	var n int64
	if err := s.core.Conn(ctx).Model(&coverRow{}).Where("cover_key = ?", key).Count(&n).Error; err != nil {
		return "", fmt.Errorf("find cover: %w", err)
	}
	if n > 0 {
		return key, nil
	}
	c := a.Cover()
	rows := make([]cellRow, 0, len(c.Blocks)+len(c.Cells))
	for _, b := range c.Blocks {
		rows = append(rows, cellRow{CoverKey: key, Level: 0, Cell: b})
	}
	for _, x := range c.Cells {
		rows = append(rows, cellRow{CoverKey: key, Level: 1, Cell: x})
	}
	err := s.core.Tx(ctx, func(tx models.Core) error {
		res := tx.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&coverRow{CoverKey: key, Blocks: len(c.Blocks), Cells: len(c.Cells)})
		if res.Error != nil {
			return fmt.Errorf("save cover: %w", res.Error)
		}
		if res.RowsAffected == 0 || len(rows) == 0 {
			return nil
		}
		return tx.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error
	})
	if err != nil {
		return "", fmt.Errorf("save cover: %w", err)
	}
	return key, nil
}

// Named is the organization's districts for drawing area (its districts
// marked chosen), names in lang.
func (s *Service) Named(ctx context.Context, orgID int64, a area.Area, lang string) ([]area.Named, error) {
	all, err := s.List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]area.Named, len(all))
	for i, d := range all {
		out[i] = area.Named{Name: d.NameIn(lang), Geometry: d.Polygons, Chosen: slices.Contains(a.Districts, d.ID)}
	}
	return out, nil
}

// Covers are the lattice covers of the organization's districts, in id
// order (the order Locate prefers where districts overlap), stored as
// needed: the followers' domain works out its place followers' districts
// again from them, set-based, after the districts change.
func (s *Service) Covers(ctx context.Context, orgID int64) ([]models.DistrictCover, error) {
	all, err := s.List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	out := make([]models.DistrictCover, 0, len(all))
	for _, d := range all {
		key, err := s.cover(ctx, area.Area{Polygons: d.Polygons})
		if err != nil {
			return nil, err
		}
		out = append(out, models.DistrictCover{ID: d.ID, Cover: key})
	}
	return out, nil
}
