package router

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// A follower's place from chat: a location they share (WeChat's location
// message, Telegram's), or the one WeChat reports by itself when they
// open the chat (its LOCATION event), is offered as the place they get
// alerts about, rounded as a follower's place is stored. YES within
// placeTTL saves it on the follower; anything else drops the question
// silently and is handled as usual. STOP PLACE forgets a saved place.

// placeTTL is how long a question about a place waits for YES.
const placeTTL = 30 * time.Minute

// autoPlaceQuiet is how long after a question about a place the place a
// platform reports by itself is not asked about: WeChat reports it every
// time the person opens the chat, and a person is asked at most once a
// day (and never twice about the same place).
const autoPlaceQuiet = 24 * time.Hour

// placeYesWords confirm a place (YES in the question, in each interface
// language).
var placeYesWords = []string{"yes", "y", "ok", "是", "是的", "好", "对", "對", "确认", "確認", "sí", "vale", "نعم"}

// activeFollower reports whether the person follows the account now.
func (t *turn) activeFollower() bool {
	return t.follower != nil && t.follower.Status == models.StatusActive
}

// pendingPlace is the place the person was asked about and has not
// answered yet, if the question still stands.
func (t *turn) pendingPlace() *models.ChatPlace {
	p := t.place
	if p == nil || !p.Pending || !t.activeFollower() || t.store.Now().Sub(p.AskedAt) > placeTTL {
		return nil
	}
	return p
}

// offerPlace asks a follower whether to use the place a message carries.
// A place the platform reported by itself is asked about only when the
// person is not in a conversation, has not chosen districts, has not
// saved that place already, and was not asked about it or about any
// place in the last day: the question then stays away.
func (t *turn) offerPlace(ctx context.Context, loc *bridge.Location) ([]bridge.Reply, error) {
	lat, lon := area.Round(loc.Lat, loc.Lon)
	if loc.Auto {
		t.by = byEvent
		if !t.askAuto(lat, lon) {
			return nil, nil
		}
	} else {
		t.by = byPlace
		if t.inboxOpen {
			// Staff talking with the person see the place too.
			t.by = byInbox
		}
	}
	p := &models.ChatPlace{AccountID: t.account.ID, Channel: t.in.Channel, Address: t.in.From, Lat: lat, Lon: lon, Pending: true}
	if err := t.r.chats.SaveChatPlace(ctx, t.store.Core, p); err != nil {
		return nil, err
	}
	t.place = p
	return []bridge.Reply{t.say("chat.place_ask", lat, lon)}, nil
}

func (t *turn) askAuto(lat, lon float64) bool {
	f := t.follower
	if t.session != nil || f.AreaMode == models.AreaDistricts || t.pendingPlace() != nil {
		return false
	}
	cell := area.Cell(lat, lon)
	if f.AreaMode == models.AreaPlace && f.PlaceLat != nil && f.PlaceLon != nil && area.Cell(*f.PlaceLat, *f.PlaceLon) == cell {
		return false
	}
	if p := t.place; p != nil && (area.Cell(p.Lat, p.Lon) == cell || t.store.Now().Sub(p.AskedAt) < autoPlaceQuiet) {
		return false
	}
	return true
}

// answerPlace takes the reply to the question about p: YES saves the
// place on the follower; anything else drops the question and is not
// taken here (handled is false).
func (t *turn) answerPlace(ctx context.Context, p *models.ChatPlace) (replies []bridge.Reply, handled bool, err error) {
	if err := t.settlePlace(ctx); err != nil {
		return nil, false, err
	}
	if t.in.Kind != bridge.KindText || !oneOf(normalize(t.in.Text), placeYesWords...) {
		return nil, false, nil
	}
	t.by = byPlace
	lat, lon := p.Lat, p.Lon
	f, err := t.r.followers.InTx(t.store.Core).SetArea(ctx, t.follower.ID, follower.AreaChoice{Mode: models.AreaPlace, Lat: &lat, Lon: &lon})
	if err != nil {
		return nil, false, fmt.Errorf("save place from chat: %w", err)
	}
	t.follower = f
	if f.PlaceLat != nil && f.PlaceLon != nil {
		lat, lon = *f.PlaceLat, *f.PlaceLon
	}
	return []bridge.Reply{t.say("chat.place_saved", lat, lon)}, true, nil
}

// forgetPlace is STOP PLACE: a follower's saved place is forgotten, and
// they get every alert again.
func (t *turn) forgetPlace(ctx context.Context) ([]bridge.Reply, error) {
	t.by = byCommand
	if err := t.settlePlace(ctx); err != nil {
		return nil, err
	}
	if !t.activeFollower() || t.follower.AreaMode != models.AreaPlace {
		return []bridge.Reply{t.say("chat.place_none")}, nil
	}
	f, err := t.r.followers.InTx(t.store.Core).SetArea(ctx, t.follower.ID, follower.AreaChoice{Mode: models.AreaAll})
	if err != nil {
		return nil, fmt.Errorf("forget place from chat: %w", err)
	}
	t.follower = f
	return []bridge.Reply{t.say("chat.place_cleared")}, nil
}

// settlePlace drops the question about a place, if one is pending.
func (t *turn) settlePlace(ctx context.Context) error {
	if t.place == nil || !t.place.Pending {
		return nil
	}
	if err := t.r.chats.SettleChatPlace(ctx, t.store.Core, t.account.ID, t.in.Channel, t.in.From); err != nil {
		return err
	}
	t.place.Pending = false
	return nil
}
