package follower

import (
	"github.com/plazahq/plaza/models"
)

// AudienceFrom is the FROM clause, with its arguments, of the active
// followers (as f) of an account that a notice for tags (none: all) and
// target (nil: everywhere) reaches. The delivery engine materializes a
// broadcast from it and the editor counts with it, so the two agree.
//
// The place part is joins on integer columns worked out when each
// follower saved their place (see SetArea): the cover's blocks and cells
// are a small set hashed once, so a million followers cost one scan.
func AudienceFrom(accountID int64, tags []string, target *models.AreaTarget) (string, []any) {
	from := `FROM followers f WHERE f.account_id = ? AND f.status = 'active'`
	args := []any{accountID}
	if len(tags) > 0 {
		from += ` AND EXISTS (SELECT 1 FROM follower_tags t WHERE t.follower_id = f.id AND t.tag IN ?)`
		args = append(args, tags)
	}
	if target == nil {
		return from, args
	}
	var ors []string
	if target.Unlocated {
		// A follower whose every chosen district was deleted has no area
		// left either.
		ors = append(ors, `f.area_mode = 'all'`,
			`(f.area_mode = 'districts' AND NOT EXISTS (SELECT 1 FROM follower_districts fd WHERE fd.follower_id = f.id))`)
	}
	if len(target.Districts) > 0 {
		ors = append(ors, `(f.area_mode = 'districts' AND EXISTS (SELECT 1 FROM follower_districts fd WHERE fd.follower_id = f.id AND fd.district_id IN ?))`)
		args = append(args, target.Districts)
	}
	if len(target.PlaceDistricts) > 0 {
		ors = append(ors, `(f.area_mode = 'place' AND f.place_district_id IN ?)`)
		args = append(args, target.PlaceDistricts)
	}
	if target.Cover != "" {
		ors = append(ors, `(f.area_mode = 'place' AND f.place_block IN (SELECT c.cell FROM area_cells c WHERE c.cover_key = ? AND c.level = 0))`,
			`(f.area_mode = 'place' AND f.place_cell IN (SELECT c.cell FROM area_cells c WHERE c.cover_key = ? AND c.level = 1))`)
		args = append(args, target.Cover, target.Cover)
	}
	if len(ors) == 0 {
		return from + ` AND 1 = 0`, args
	}
	cond := ors[0]
	for _, o := range ors[1:] {
		cond += ` OR ` + o
	}
	return from + ` AND (` + cond + `)`, args
}
