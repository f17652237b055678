// Package alertfeed polls the external GTFS-realtime alert feeds that
// transit accounts subscribe to and turns their alerts into notices:
// new alerts become notices (published at once when the account says so),
// changed ones update their notice, and alerts that leave the feed expire
// theirs. A broken or slow feed is recorded for staff to see; it never
// stops the poller and never deletes a notice.
package alertfeed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/models"
)

// maxFeedBytes bounds a feed's size; real alert feeds are far smaller.
const maxFeedBytes = 10 << 20

// Poller polls the feeds.
type Poller struct {
	store  *models.Store
	client *http.Client
	log    *slog.Logger
}

// New builds a poller. A nil client gets one with a 10-second timeout, so
// a slow feed cannot hold the poller.
func New(store *models.Store, client *http.Client, log *slog.Logger) *Poller {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Poller{store: store, client: client, log: log}
}

// PollDue polls every feed whose interval has passed, and returns how many
// it polled. One feed's failure is recorded on it and does not stop the
// others.
func (p *Poller) PollDue(ctx context.Context) (int, error) {
	feeds, err := p.store.ClaimDueAlertFeeds(ctx)
	if err != nil {
		return 0, err
	}
	for i := range feeds {
		if err := p.Poll(ctx, &feeds[i]); err != nil && ctx.Err() == nil {
			p.log.Warn("alert feed", "feed", feeds[i].ID, "url", feeds[i].URL, "err", err)
		}
	}
	return len(feeds), nil
}

// Poll fetches one feed and applies it, recording the outcome on the feed.
func (p *Poller) Poll(ctx context.Context, f *models.AlertFeed) (err error) {
	defer func() {
		// A feed is outside input: whatever it makes the parser do, the
		// poller keeps going.
		if r := recover(); r != nil {
			err = fmt.Errorf("feed crashed the importer: %v", r)
		}
		if rerr := p.store.RecordAlertFeedPoll(context.WithoutCancel(ctx), f.ID, f.ETag, err); rerr != nil && err == nil {
			err = rerr
		}
	}()
	msg, etag, err := p.fetch(ctx, f)
	if err != nil {
		return err
	}
	if msg == nil {
		return nil // not modified
	}
	f.ETag = etag
	return p.apply(ctx, f, msg)
}

func (p *Poller) fetch(ctx context.Context, f *models.AlertFeed) (*gtfs.FeedMessage, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("feed address: %w", err)
	}
	req.Header.Set("Accept", "application/x-protobuf, application/octet-stream")
	req.Header.Set("User-Agent", "Plaza-AlertFeed/1")
	if f.ETag != "" {
		req.Header.Set("If-None-Match", f.ETag)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("feed unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, f.ETag, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("feed answered HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading the feed: %w", err)
	}
	if len(body) > maxFeedBytes {
		return nil, "", errors.New("feed is larger than 10 MB")
	}
	var msg gtfs.FeedMessage
	if err := proto.Unmarshal(body, &msg); err != nil {
		return nil, "", fmt.Errorf("not a GTFS-realtime feed: %w", err)
	}
	if msg.GetHeader().GetGtfsRealtimeVersion() == "" {
		return nil, "", errors.New("not a GTFS-realtime feed: no header")
	}
	return &msg, resp.Header.Get("ETag"), nil
}

// input turns an alert into a transit notice.
func input(a *gtfs.Alert) models.NoticeInput {
	in := models.NoticeInput{Kind: models.NoticeTransit}
	in.TitleEn, in.TitleZh = texts(a.GetHeaderText())
	in.BodyEn, in.BodyZh = texts(a.GetDescriptionText())
	if in.BodyEn == "" {
		in.BodyEn = in.TitleEn
	}
	if in.BodyZh == "" {
		in.BodyZh = in.TitleZh
	}
	var routes, stops []string
	for _, e := range a.GetInformedEntity() {
		if r := e.GetRouteId(); r != "" && !slices.Contains(routes, r) {
			routes = append(routes, r)
		}
		if s := e.GetStopId(); s != "" && !slices.Contains(stops, s) {
			stops = append(stops, s)
		}
	}
	in.Routes, in.Stops = strings.Join(routes, ","), strings.Join(stops, ",")
	if c := a.GetCause().String(); slices.Contains(models.GTFSCauses(), c) {
		in.Cause = c
	}
	if e := a.GetEffect().String(); slices.Contains(models.GTFSEffects(), e) {
		in.Effect = e
	}
	if ps := a.GetActivePeriod(); len(ps) > 0 {
		if s := ps[0].GetStart(); s > 0 {
			t := time.Unix(int64(s), 0).UTC()
			in.EffectiveAt = &t
		}
		if e := ps[len(ps)-1].GetEnd(); e > 0 {
			t := time.Unix(int64(e), 0).UTC()
			in.ExpiresAt = &t
		}
	}
	return in
}

// texts picks the English and Chinese translations; an untagged one
// counts as English.
func texts(ts *gtfs.TranslatedString) (en, zh string) {
	for _, t := range ts.GetTranslation() {
		lang := strings.ToLower(t.GetLanguage())
		switch {
		case strings.HasPrefix(lang, "zh"):
			if zh == "" {
				zh = strings.TrimSpace(t.GetText())
			}
		case lang == "" || strings.HasPrefix(lang, "en"):
			if en == "" {
				en = strings.TrimSpace(t.GetText())
			}
		}
	}
	return truncate(en, 200), zh
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func hash(in models.NoticeInput) string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// apply brings the account's notices in line with the feed.
func (p *Poller) apply(ctx context.Context, f *models.AlertFeed, msg *gtfs.FeedMessage) error {
	acc, err := p.store.AccountByID(ctx, f.AccountID)
	if err != nil {
		return err
	}
	m, err := p.store.SystemMember(ctx, acc.OrganizationID)
	if err != nil {
		return err
	}
	items, err := p.store.AlertFeedItems(ctx, f.ID)
	if err != nil {
		return err
	}
	known := map[string]models.AlertFeedItem{}
	for _, it := range items {
		known[it.AlertID] = it
	}
	now := p.store.Now()
	present := map[string]bool{}
	var problems []string
	for _, e := range msg.GetEntity() {
		a := e.GetAlert()
		if a == nil || e.GetId() == "" || e.GetIsDeleted() {
			continue
		}
		present[e.GetId()] = true
		in := input(a)
		if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
			continue // already over
		}
		h := hash(in)
		it, seen := known[e.GetId()]
		if seen && it.ContentHash == h {
			continue
		}
		noticeID, err := p.upsert(ctx, m, acc, f, it.NoticeID, in)
		if err != nil {
			problems = append(problems, fmt.Sprintf("alert %q: %v", e.GetId(), err))
			continue
		}
		if err := p.store.SaveAlertFeedItem(ctx, models.AlertFeedItem{FeedID: f.ID, AlertID: e.GetId(), NoticeID: noticeID,
			ContentHash: h, SeenAt: now}); err != nil {
			return err
		}
	}
	// A full dataset lists every alert in force: one that left it is over.
	if msg.GetHeader().GetIncrementality() == gtfs.FeedHeader_FULL_DATASET {
		for id, it := range known {
			if present[id] || it.NoticeID == nil {
				continue
			}
			if err := p.store.ExpireNotice(ctx, m, acc, *it.NoticeID); err != nil && !errors.Is(err, models.ErrNotFound) {
				problems = append(problems, fmt.Sprintf("expire alert %q: %v", id, err))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d alerts not imported: %s", len(problems), strings.Join(problems, "; "))
	}
	return nil
}

// upsert creates the notice of a new alert, or brings an existing one up
// to date: a live notice gets an update (sent to its followers), a draft
// is edited. It returns the notice's id.
func (p *Poller) upsert(ctx context.Context, m *models.Member, a *models.Account, f *models.AlertFeed, id *int64, in models.NoticeInput) (*int64, error) {
	if id != nil {
		n, err := p.store.OrgNotice(ctx, m, a, *id)
		switch {
		case errors.Is(err, models.ErrNotFound):
			// Its notice was deleted (a draft staff threw away): start again.
		case err != nil:
			return nil, err
		case n.Live():
			_, _, err := p.store.UpdateNotice(ctx, m, a, n.ID, in)
			return &n.ID, err
		case n.Editable():
			if _, err := p.store.SaveNotice(ctx, m, a, n.ID, in); err != nil {
				return &n.ID, err
			}
			if f.AutoPublish {
				_, _, err = p.store.PublishNotice(ctx, m, a, n.ID, in)
			}
			return &n.ID, err
		default:
			// Ended or expired: the alert came back changed; it is a new
			// notice.
		}
	}
	n, err := p.store.CreateNotice(ctx, m, a, in)
	if err != nil {
		return nil, err
	}
	if f.AutoPublish {
		if _, _, err := p.store.PublishNotice(ctx, m, a, n.ID, in); err != nil {
			return &n.ID, err
		}
	}
	return &n.ID, nil
}
