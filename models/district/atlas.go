package district

import (
	"context"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/plazahq/plaza/area"
)

// Atlas is the districts of some organizations with their geometry, by
// id, loaded once to place many notices' areas (the feeds, the alerts
// near a point).
type Atlas map[int64]Shape

// Atlas loads the districts of each organization in orgIDs (each once).
func (s *Service) Atlas(ctx context.Context, orgIDs ...int64) (Atlas, error) {
	at := Atlas{}
	seen := map[int64]bool{}
	for _, id := range orgIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		ds, err := s.List(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			at[d.ID] = d
		}
	}
	return at, nil
}

// Of is the districts of the organization's area a that the atlas knows,
// in a's order (a district deleted since is left out).
func (at Atlas) Of(orgID int64, a area.Area) []Shape {
	var out []Shape
	for _, id := range a.Districts {
		if d, ok := at[id]; ok && d.OrganizationID == orgID {
			out = append(out, d)
		}
	}
	return out
}

// Contains says whether the point is in the organization's area a: in
// one of its shapes or in one of its districts.
func (at Atlas) Contains(orgID int64, a area.Area, lat, lon float64) bool {
	if a.Contains(lat, lon) {
		return true
	}
	for _, d := range at.Of(orgID, a) {
		if planar.MultiPolygonContains(d.Polygons, orb.Point{lon, lat}) {
			return true
		}
	}
	return false
}
