package follower

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// DistrictFollowers counts, per district of the organization, the active
// followers who chose it: those who picked it among their districts and
// those whose place falls in it. Districts nobody chose are absent.
func (s *Service) DistrictFollowers(ctx context.Context, orgID int64) (map[int64]int64, error) {
	var rows []struct {
		DistrictID int64
		N          int64
	}
	err := s.core.Conn(ctx).Raw(`SELECT district_id, COUNT(*) AS n FROM (
			SELECT fd.district_id AS district_id
			FROM follower_districts fd
			JOIN followers f ON f.id = fd.follower_id
			JOIN accounts a ON a.id = f.account_id
			WHERE a.organization_id = ? AND f.status = ? AND f.area_mode = ?
			UNION ALL
			SELECT f.place_district_id AS district_id
			FROM followers f
			JOIN accounts a ON a.id = f.account_id
			WHERE a.organization_id = ? AND f.status = ? AND f.area_mode = ? AND f.place_district_id IS NOT NULL
		) chosen GROUP BY district_id`,
		orgID, models.StatusActive, models.AreaDistricts, orgID, models.StatusActive, models.AreaPlace).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count district followers: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.DistrictID] = r.N
	}
	return out, nil
}
