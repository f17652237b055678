package follower

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/plazahq/plaza/models"
)

// A follower's data requests: everything kept about them, and erasure.

// FollowerData is everything Plaza holds about one follower, for their
// data request.
type FollowerData struct {
	Account        string     `json:"account"`
	ID             int64      `json:"id"`
	Channel        string     `json:"channel"`
	Address        string     `json:"address"`
	Name           string     `json:"name"`
	Language       string     `json:"language"`
	Status         string     `json:"status"`
	Source         string     `json:"source"`
	Scene          string     `json:"scene"`
	ConsentAt      *time.Time `json:"consent_at"`
	ConfirmedAt    *time.Time `json:"confirmed_at"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Tags           []string   `json:"tags"`
	// Area is where they want alerts for: everything, districts or a
	// place (rounded to about 100 m when it was saved).
	Area   FollowerAreaData `json:"area"`
	Events []FollowerEvent  `json:"follow_events"`
	// Chats is what they wrote to the account on their channel and what
	// it answered; Answers what they answered to its projects.
	Chats      []models.ChatMessageData `json:"chat_messages"`
	Answers    []models.AnswerData      `json:"consultation_answers"`
	ExportedAt time.Time                `json:"exported_at"`
}

// FollowerAreaData is a follower's choice of where, in their data export.
type FollowerAreaData struct {
	Mode            string   `json:"mode"`
	Districts       []int64  `json:"districts,omitempty"`
	PlaceLat        *float64 `json:"place_lat,omitempty"`
	PlaceLon        *float64 `json:"place_lon,omitempty"`
	PlaceDistrictID *int64   `json:"place_district_id,omitempty"`
}

// ExportFollower gathers all data of one follower of the account: the
// follower, their follow history, their chats with the account and their
// answers to its projects. Only owners may, and the export is audited
// with what it holds (never the address).
func (s *Service) ExportFollower(ctx context.Context, m *models.Member, a *models.Account, id int64) (*FollowerData, error) {
	if err := models.Require(m, models.PermPrivacy, a.OrgID()); err != nil {
		return nil, err
	}
	f, err := s.FollowerForStaff(ctx, m, a, id)
	if err != nil {
		return nil, err
	}
	events, err := s.FollowerEvents(ctx, m, a, id)
	if err != nil {
		return nil, err
	}
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	if events == nil {
		events = []FollowerEvent{}
	}
	chats, err := s.traces.FollowerChats(ctx, f)
	if err != nil {
		return nil, err
	}
	answers, err := s.traces.FollowerAnswers(ctx, f)
	if err != nil {
		return nil, err
	}
	d := &FollowerData{
		Account: "@" + a.Handle, ID: f.ID, Channel: f.Channel, Address: f.Address, Name: f.Name, Language: f.Language,
		Status: f.Status, Source: f.Source, Scene: f.Scene, ConsentAt: f.ConsentAt, ConfirmedAt: f.ConfirmedAt,
		UnsubscribedAt: f.UnsubscribedAt, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, Tags: tags, Events: events,
		Area:  FollowerAreaData{Mode: f.AreaMode, Districts: f.Districts, PlaceLat: f.PlaceLat, PlaceLon: f.PlaceLon, PlaceDistrictID: f.PlaceDistrictID},
		Chats: chats, Answers: answers, ExportedAt: s.core.Now(),
	}
	detail := fmt.Sprintf("#%d (%d follow events, %d chat messages, %d answers)", id, len(events), len(chats), len(answers))
	if err := s.core.Audit(ctx, m.Org.ID, m.User.ID, "follower.export", "@"+a.Handle, detail); err != nil {
		return nil, err
	}
	return d, nil
}

// EraseFollower deletes one follower of the account and their tags, on
// their request, with their chats with the account (messages, the inbox
// conversation, a conversation in progress); their answers to its
// projects lose name and contact but still count. Their follow events
// stay, without the follower (the foreign key sets it to NULL), and so do
// scans, so growth and per-code counts do not change. The audit entry
// names only the id, never the address.
func (s *Service) EraseFollower(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	if err := models.Require(m, models.PermPrivacy, a.OrgID()); err != nil {
		return err
	}
	f, err := s.FollowerForStaff(ctx, m, a, id)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *Service) error {
		if _, _, err := s.traces.EraseTraces(ctx, tx.core, f); err != nil {
			return err
		}
		// The foreign keys do the rest: follower_tags rows go with the
		// follower (ON DELETE CASCADE) and follow_events lose it (ON DELETE
		// SET NULL); SQLite enforces them through the foreign_keys pragma.
		res := tx.core.Conn(ctx).Exec("DELETE FROM followers WHERE id = ? AND account_id = ?", id, a.ID)
		if res.Error != nil {
			return fmt.Errorf("erase follower: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("follower: %w", models.ErrNotFound)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "follower.erase", "@"+a.Handle, "#"+strconv.FormatInt(id, 10))
	})
}
