package follower

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
)

// Figures about an account's followers for the studio: growth and facets.

// DayCount is the follows and unfollows of one day (UTC).
type DayCount struct {
	Day       time.Time
	Follows   int64
	Unfollows int64
}

// GrowthDaily counts the account's follows and unfollows per day for the
// last days days (today included, UTC), oldest first, with days without
// any filled in as zeros.
func (s *Service) GrowthDaily(ctx context.Context, m *models.Member, a *models.Account, days int) ([]DayCount, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	if days < 1 {
		days = 1
	}
	now := s.core.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	since := today.AddDate(0, 0, -(days - 1))
	day := "substr(created_at, 1, 10)"
	if s.core.Dialect() == database.Postgres {
		day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var rows []struct {
		Day       string
		Follows   int64
		Unfollows int64
	}
	err := s.core.Conn(ctx).Raw(`SELECT `+day+` AS day,
			SUM(CASE WHEN kind = 'follow' THEN 1 ELSE 0 END) AS follows,
			SUM(CASE WHEN kind = 'unfollow' THEN 1 ELSE 0 END) AS unfollows
		FROM follow_events WHERE account_id = ? AND created_at >= ?
		GROUP BY 1 ORDER BY 1`, a.ID, since).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("growth: %w", err)
	}
	byDay := make(map[string]DayCount, len(rows))
	for _, r := range rows {
		byDay[r.Day] = DayCount{Follows: r.Follows, Unfollows: r.Unfollows}
	}
	out := make([]DayCount, days)
	for i := range out {
		d := since.AddDate(0, 0, i)
		c := byDay[d.Format("2006-01-02")]
		c.Day = d
		out[i] = c
	}
	return out, nil
}

// FollowerFacets are the values the follower filters offer: the account's
// channels, the scenes of its codes and its topics.
type FollowerFacets struct {
	Channels []string
	Scenes   []string
	Tags     []string
}

// FollowerFacets lists the choices for the account's follower filters.
func (s *Service) FollowerFacets(ctx context.Context, m *models.Member, a *models.Account) (*FollowerFacets, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var out FollowerFacets
	channels, err := s.channels.AccountChannels(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out.Channels = channels
	// Every channel that has followers of the account, too: a sender
	// without settings (Web Push) has no account_channels row, and one
	// turned off still has its followers.
	var followed []string
	if err := s.core.Conn(ctx).Raw(`SELECT DISTINCT channel FROM followers WHERE account_id = ?`, a.ID).
		Scan(&followed).Error; err != nil {
		return nil, fmt.Errorf("follower facets: %w", err)
	}
	for _, c := range append(followed, models.ChannelEmail) {
		if !hasString(out.Channels, c) {
			out.Channels = append(out.Channels, c)
		}
	}
	sort.Strings(out.Channels)
	if s.codes == nil {
		return nil, errors.New("follower facets: no follow codes configured")
	}
	scenes, err := s.codes.Scenes(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out.Scenes = scenes
	out.Tags = a.TopicList()
	return &out, nil
}

func hasString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
