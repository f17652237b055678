package notice

import (
	"context"
	"fmt"
	"slices"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// Places is what the service needs of the districts' domain
// (models/district): which district ids are the organization's, and the
// audience part of an area, for the editor's count.
type Places interface {
	Mine(ctx context.Context, orgID int64, ids []int64) ([]int64, error)
	Target(ctx context.Context, orgID int64, a area.Area, unlocated bool) (*models.AreaTarget, error)
}

// Stops is what the service needs of the account's GTFS timetable: where
// its stops are, to build a transit notice's area from its affected
// stops. nil: no timetable domain, and such a request is refused.
type Stops interface {
	StopPlaces(ctx context.Context, accountID int64, ids []string) ([]area.Circle, error)
}

// Audience is who a notice reaches: followers with one of Tags (none:
// all), and, when Scope is models.AreaScopeArea, only those in Area (with
// Unlocated, also those who chose no area).
type Audience struct {
	Tags      []string
	Area      *area.Area
	Scope     string
	Unlocated bool
}

// AudienceOf is a stored notice's audience.
func AudienceOf(n *models.Notice) Audience {
	return Audience{Tags: n.TagList(), Area: models.AreaOf(n.Area), Scope: n.AreaScope, Unlocated: n.AreaUnlocated}
}

// Audience is the audience of an input as the editor holds it (checked:
// its area folded).
func (in Input) Audience() Audience {
	return Audience{Tags: in.Tags, Area: in.Area, Scope: in.AreaScope, Unlocated: !in.AreaExcludeUnlocated}
}

// prepare finishes a checked input for the account's organization: the
// districts must be its own, and a transit notice asked to take its area
// from its stops gets circles around them.
func (s *Service) prepare(ctx context.Context, a *models.Account, in Input) (Input, error) {
	if in.AreaFromStops {
		if s.stops == nil {
			return in, models.FieldError("area_from_stops", "area.err_no_timetable")
		}
		circles, err := s.stops.StopPlaces(ctx, a.ID, in.Stops.List())
		if err != nil {
			return in, err
		}
		if len(circles) == 0 {
			return in, models.FieldError("stops", "area.err_no_known_stops")
		}
		ar := area.Area{}
		if in.Area != nil {
			ar = *in.Area
		}
		for _, c := range circles {
			// Ticking the box again on a later save adds no stop twice.
			if !slices.ContainsFunc(ar.Circles, func(o area.Circle) bool { return o.Label == c.Label && o.Lat == c.Lat && o.Lon == c.Lon }) {
				ar.Circles = append(ar.Circles, c)
			}
		}
		if err := ar.Validate(); err != nil {
			return in, models.FieldError("area_geojson", models.AreaProblem(err))
		}
		in.Area, in.AreaFromStops = &ar, false
	}
	if in.Area == nil || len(in.Area.Districts) == 0 {
		return in, nil
	}
	if s.places == nil {
		return in, fmt.Errorf("notice districts: no districts' domain wired")
	}
	mine, err := s.places.Mine(ctx, a.OrgID(), in.Area.Districts)
	if err != nil {
		return in, err
	}
	if len(mine) != len(in.Area.Districts) {
		return in, models.FieldError("area_district", "err.choose_one")
	}
	return in, nil
}

// AudienceCount is how many active followers of the account a notice for
// aud would reach, by the statement the delivery engine materializes
// with (follower.AudienceFrom). The editor asks it on every change.
func (s *Service) AudienceCount(ctx context.Context, m *models.Member, a *models.Account, aud Audience) (int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return 0, err
	}
	from, args, err := s.audienceFrom(ctx, a, aud)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.core.Conn(ctx).Raw(`SELECT COUNT(*) `+from, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count audience: %w", err)
	}
	return n, nil
}

// audienceFrom is the FROM and WHERE of aud's followers
// (follower.AudienceFrom with the area's target) and their arguments.
func (s *Service) audienceFrom(ctx context.Context, a *models.Account, aud Audience) (string, []any, error) {
	tags, bad := models.NormalizeTags(aud.Tags)
	if bad != "" {
		return "", nil, models.FieldError("tags", "err.tag_format")
	}
	var target *models.AreaTarget
	if aud.Scope == models.AreaScopeArea && aud.Area != nil && !aud.Area.IsZero() {
		if s.places == nil {
			return "", nil, fmt.Errorf("count audience: no districts' domain wired")
		}
		t, err := s.places.Target(ctx, a.OrgID(), *aud.Area, aud.Unlocated)
		if err != nil {
			return "", nil, err
		}
		target = t
	}
	from, args := follower.AudienceFrom(a.ID, tags, target)
	return from, args, nil
}

// ChannelAudience counts the followers of aud who follow by channel, by
// their language, in one grouped query: what the publish confirmation
// prices SMS with.
func (s *Service) ChannelAudience(ctx context.Context, m *models.Member, a *models.Account, aud Audience, channel string) (map[string]int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	from, args, err := s.audienceFrom(ctx, a, aud)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Language string
		N        int64
	}
	if err := s.core.Conn(ctx).Raw(`SELECT f.language AS language, COUNT(*) AS n `+from+` AND f.channel = ? GROUP BY f.language`,
		append(args, channel)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count %s audience: %w", channel, err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Language] = r.N
	}
	return out, nil
}

// FormAudience is the audience of the editor's form as posted (its
// districts and GeoJSON not yet folded into Area), for the live count.
func FormAudience(in Input) (Audience, error) {
	var v models.ValidationError
	in.checkArea(&v)
	if err := v.Err(); err != nil {
		return Audience{}, err
	}
	return in.Audience(), nil
}
