package follower

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
)

// This file holds what staff do with an account's followers in the studio:
// list and filter them, tag and block them in bulk, export them, and answer
// a follower's privacy requests (export all their data, erase them).

// FollowerFilter narrows an account's follower list. Empty fields match
// everything.
type FollowerFilter struct {
	Channel string
	Status  string
	Tag     string
	Scene   string
	// From and To bound when the follower first followed (created_at):
	// From is inclusive, To exclusive; zero means open.
	From, To time.Time
	// Query matches part of the address or the name, case-insensitively.
	Query string
}

// Empty reports whether the filter matches every follower.
func (f FollowerFilter) Empty() bool {
	return f.Channel == "" && f.Status == "" && f.Tag == "" && f.Scene == "" &&
		f.From.IsZero() && f.To.IsZero() && strings.TrimSpace(f.Query) == ""
}

// Validate checks the filter's values; the status must be a known one and
// the tag well formed.
func (f *FollowerFilter) Validate() error {
	var v models.ValidationError
	f.Channel = strings.ToLower(strings.TrimSpace(f.Channel))
	f.Scene = strings.ToLower(strings.TrimSpace(f.Scene))
	f.Query = strings.TrimSpace(f.Query)
	if f.Status != "" && !validStatus(f.Status) {
		v.Add("status", "err.choose_one")
	}
	if strings.TrimSpace(f.Tag) != "" {
		t, ok := models.NormalizeTag(f.Tag)
		if !ok {
			v.Add("tag", "err.tag_format")
		}
		f.Tag = t
	} else {
		f.Tag = ""
	}
	if len([]rune(f.Query)) > 200 {
		v.Add("q", "err.too_long")
	}
	if len(f.Channel) > 40 {
		v.Add("channel", "err.too_long")
	}
	if len(f.Scene) > 64 {
		v.Add("scene", "err.too_long")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.Add("to", "followers.err_dates")
	}
	return v.Err()
}

func validStatus(s string) bool {
	for _, x := range models.FollowerStatuses() {
		if x == s {
			return true
		}
	}
	return false
}

// followersOf is the filtered follower query of one account, as m may
// run it: the search text matches addresses only for members who may see
// them (otherwise a search would tell whether someone follows).
func (s *Service) followersOf(ctx context.Context, m *models.Member, a *models.Account, f FollowerFilter) *gorm.DB {
	q := s.core.Conn(ctx).Model(&models.Follower{}).Where("followers.account_id = ?", a.ID)
	if f.Channel != "" {
		q = q.Where("followers.channel = ?", f.Channel)
	}
	if f.Status != "" {
		q = q.Where("followers.status = ?", f.Status)
	}
	if f.Scene != "" {
		q = q.Where("followers.scene = ?", f.Scene)
	}
	if f.Tag != "" {
		q = q.Where("EXISTS (SELECT 1 FROM follower_tags ft WHERE ft.follower_id = followers.id AND ft.tag = ?)", f.Tag)
	}
	if !f.From.IsZero() {
		q = q.Where("followers.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("followers.created_at < ?", f.To.UTC())
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		p := models.LikePattern(t)
		if m.Can(models.PermContacts) {
			q = q.Where("("+models.LikeExpr("followers.address")+" OR "+models.LikeExpr("followers.name")+")", p, p)
		} else {
			q = q.Where(models.LikeExpr("followers.name"), p)
		}
	}
	return q.Session(&gorm.Session{})
}

// ListFollowers pages through an account's followers matching f, newest
// first, with their tags (loaded in one query for the page), and the
// number of matching followers.
func (s *Service) ListFollowers(ctx context.Context, m *models.Member, a *models.Account, f FollowerFilter, page models.Page) ([]models.Follower, int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	q := s.followersOf(ctx, m, a, f)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count followers: %w", err)
	}
	var out []models.Follower
	err := q.Order("followers.created_at DESC, followers.id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list followers: %w", err)
	}
	if err := s.loadTags(ctx, out); err != nil {
		return nil, 0, err
	}
	models.MaskFollowers(m, out)
	return out, total, nil
}

// loadTags fills in the tags of fs with one query.
func (s *Service) loadTags(ctx context.Context, fs []models.Follower) error {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]int64, len(fs))
	at := make(map[int64]int, len(fs))
	for i := range fs {
		ids[i] = fs[i].ID
		at[fs[i].ID] = i
		fs[i].Tags = nil
	}
	var rows []models.FollowerTag
	if err := s.core.Conn(ctx).Where("follower_id IN ?", ids).Order("follower_id, tag").Find(&rows).Error; err != nil {
		return fmt.Errorf("tags of followers: %w", err)
	}
	for _, r := range rows {
		i := at[r.FollowerID]
		fs[i].Tags = append(fs[i].Tags, r.Tag)
	}
	return nil
}

// exportBatch is how many followers an export reads at a time: large
// enough that the per-query cost vanishes, small enough that memory stays
// flat.
const exportBatch = 2000

// ExportFollowers calls fn for every follower of the account matching f,
// in id order, with their tags; only members who may see contact details
// may. Before the first row it writes the audit entry: who, which filter
// (detail, never an address) and how many rows. It reads exportBatch rows
// at a time, each page starting after the last id seen (the
// followers_account_id_idx index makes that a range scan), so memory stays
// flat however many followers there are, and it holds no database
// connection while fn runs (fn may write to a slow client).
func (s *Service) ExportFollowers(ctx context.Context, m *models.Member, a *models.Account, f FollowerFilter, detail string, fn func(*models.Follower) error) error {
	if err := models.Require(m, models.PermContacts, a.OrgID()); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	q := s.followersOf(ctx, m, a, f)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return fmt.Errorf("count followers to export: %w", err)
	}
	if err := s.core.Audit(ctx, m.Org.ID, m.User.ID, "followers.export", "@"+a.Handle,
		fmt.Sprintf("%s (%d rows)", detail, total)); err != nil {
		return err
	}
	var last int64
	for {
		var batch []models.Follower
		if err := q.Where("followers.id > ?", last).Order("followers.id").Limit(exportBatch).Find(&batch).Error; err != nil {
			return fmt.Errorf("export followers: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		if err := s.loadTags(ctx, batch); err != nil {
			return err
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		last = batch[len(batch)-1].ID
	}
}

// StatusCounts is the number of followers per status.
type StatusCounts map[string]int64

// Total is the number of followers of every status.
func (c StatusCounts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// FollowerCounts counts the account's followers per status, for the
// list's status links.
func (s *Service) FollowerCounts(ctx context.Context, m *models.Member, a *models.Account) (StatusCounts, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var rows []struct {
		Status string
		N      int64
	}
	err := s.core.Conn(ctx).Model(&models.Follower{}).Select("status, COUNT(*) AS n").Where("account_id = ?", a.ID).
		Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count followers by status: %w", err)
	}
	out := StatusCounts{}
	for _, st := range models.FollowerStatuses() {
		out[st] = 0
	}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// FollowerForStaff loads one follower of the account, with tags. A
// follower of another account, or of an account of another organization,
// is ErrNotFound.
func (s *Service) FollowerForStaff(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Follower, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var f models.Follower
	if err := s.core.Conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).First(&f).Error; err != nil {
		return nil, models.NotFound(err, "follower")
	}
	tags, err := s.tagsOf(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	f.Tags = tags
	if f.AreaMode == models.AreaDistricts {
		if f.Districts, err = s.districtsOf(ctx, f.ID); err != nil {
			return nil, err
		}
	}
	if !m.Can(models.PermContacts) {
		f.Address = models.MaskAddress(f.Channel, f.Address)
		// A place to 100 m can be a home: staff who may not see contact
		// details see its district only.
		f.PlaceLat, f.PlaceLon = nil, nil
	}
	return &f, nil
}

// FollowerEvent is a follow or unfollow of one follower, with the scene
// of the code it came through, if any.
type FollowerEvent struct {
	Kind      string    `json:"kind"`
	Channel   string    `json:"channel"`
	Scene     string    `json:"scene,omitempty"`
	CreatedAt time.Time `json:"at"`
}

// FollowerEvents is the follow history of one follower of the account,
// oldest first.
func (s *Service) FollowerEvents(ctx context.Context, m *models.Member, a *models.Account, followerID int64) ([]FollowerEvent, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	if s.codes == nil {
		return nil, errors.New("follower events: no follow codes configured")
	}
	var rows []struct {
		FollowerEvent
		CodeID *int64
	}
	err := s.core.Conn(ctx).Table("follow_events").
		Select("kind, channel, code_id, created_at").
		Where("account_id = ? AND follower_id = ?", a.ID, followerID).
		Order("created_at, id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("follower events: %w", err)
	}
	// The scenes are the follow-code domain's: one lookup for the codes
	// the events name, a code since deleted leaving the scene empty as
	// the LEFT JOIN this replaces did.
	var ids []int64
	for _, r := range rows {
		if r.CodeID != nil {
			ids = append(ids, *r.CodeID)
		}
	}
	scenes, err := s.codes.ScenesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]FollowerEvent, 0, len(rows))
	for _, r := range rows {
		if r.CodeID != nil {
			r.Scene = scenes[*r.CodeID]
		}
		out = append(out, r.FollowerEvent)
	}
	return out, nil
}

// MaxBulk is the most followers one bulk action may change; the list
// shows at most 200 a page.
const MaxBulk = 1000

// checkSelection validates a bulk selection into v and counts how many of
// ids are followers of the account; ids of other accounts' followers are
// ignored.
func (s *Service) checkSelection(ctx context.Context, a *models.Account, ids []int64, v *models.ValidationError) (int64, error) {
	if len(ids) == 0 {
		v.Add("ids", "followers.err_no_selection")
		return 0, nil
	}
	if len(ids) > MaxBulk {
		v.Add("ids", "followers.err_too_many")
		return 0, nil
	}
	var n int64
	if err := s.core.Conn(ctx).Model(&models.Follower{}).Where("account_id = ? AND id IN ?", a.ID, ids).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count selection: %w", err)
	}
	if n == 0 {
		v.Add("ids", "followers.err_no_selection")
	}
	return n, nil
}

// BulkTag adds and removes tags on the selected followers of the account
// with set-based SQL; ids of other accounts' followers are ignored. It
// returns how many followers were selected.
func (s *Service) BulkTag(ctx context.Context, m *models.Member, a *models.Account, ids []int64, add, remove []string) (int64, error) {
	if err := models.Require(m, models.PermManageFollowers, a.OrgID()); err != nil {
		return 0, err
	}
	var v models.ValidationError
	add, bad := models.NormalizeTags(add)
	if bad != "" {
		v.Add("tag", "err.tag_format")
	}
	remove, bad = models.NormalizeTags(remove)
	if bad != "" {
		v.Add("tag", "err.tag_format")
	}
	if len(add) == 0 && len(remove) == 0 {
		v.Add("tag", "followers.err_tag_required")
	}
	n, err := s.checkSelection(ctx, a, ids, &v)
	if err != nil {
		return 0, err
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	err = s.tx(ctx, func(tx *Service) error {
		for _, t := range add {
			err := tx.core.Conn(ctx).Exec(`INSERT INTO follower_tags (follower_id, tag)
				SELECT id, ? FROM followers WHERE account_id = ? AND id IN ?
				ON CONFLICT (follower_id, tag) DO NOTHING`, t, a.ID, ids).Error
			if err != nil {
				return fmt.Errorf("add tag: %w", err)
			}
		}
		if len(remove) > 0 {
			err := tx.core.Conn(ctx).Exec(`DELETE FROM follower_tags WHERE tag IN ?
				AND follower_id IN (SELECT id FROM followers WHERE account_id = ? AND id IN ?)`, remove, a.ID, ids).Error
			if err != nil {
				return fmt.Errorf("remove tag: %w", err)
			}
		}
		var parts []string
		for _, t := range add {
			parts = append(parts, "+"+t)
		}
		for _, t := range remove {
			parts = append(parts, "-"+t)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "followers.tag", "@"+a.Handle,
			strings.Join(parts, " ")+" ("+strconv.FormatInt(n, 10)+")")
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// SetFollowerTags replaces the tags of one follower of the account.
func (s *Service) SetFollowerTags(ctx context.Context, m *models.Member, a *models.Account, id int64, tags []string) error {
	if err := models.Require(m, models.PermManageFollowers, a.OrgID()); err != nil {
		return err
	}
	tags, bad := models.NormalizeTags(tags)
	if bad != "" {
		return models.FieldError("tags", "err.tag_format")
	}
	if len(tags) > 50 {
		return models.FieldError("tags", "followers.err_too_many_tags")
	}
	return s.tx(ctx, func(tx *Service) error {
		var n int64
		if err := tx.core.Conn(ctx).Model(&models.Follower{}).Where("id = ? AND account_id = ?", id, a.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("find follower: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("follower: %w", models.ErrNotFound)
		}
		if err := tx.setTags(ctx, id, tags); err != nil {
			return err
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "follower.tags", "@"+a.Handle, "#"+strconv.FormatInt(id, 10)+" "+strings.Join(tags, " "))
	})
}

// SetBlocked blocks or unblocks the selected followers of the account;
// ids of other accounts' followers are ignored. Blocking stops every
// message and records an unfollow for followers who were active, so growth
// counts stay right. Unblocking leaves a follower unsubscribed: they must
// follow again to get messages. It returns how many followers changed.
func (s *Service) SetBlocked(ctx context.Context, m *models.Member, a *models.Account, ids []int64, blocked bool) (int64, error) {
	if err := models.Require(m, models.PermManageFollowers, a.OrgID()); err != nil {
		return 0, err
	}
	var v models.ValidationError
	if _, err := s.checkSelection(ctx, a, ids, &v); err != nil {
		return 0, err
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var changed int64
	err := s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		action := "followers.unblock"
		if blocked {
			action = "followers.block"
			err := tx.core.Conn(ctx).Exec(`INSERT INTO follow_events (account_id, follower_id, code_id, channel, kind, created_at)
				SELECT account_id, id, code_id, channel, 'unfollow', ? FROM followers
				WHERE account_id = ? AND id IN ? AND status = ?`, now, a.ID, ids, models.StatusActive).Error
			if err != nil {
				return fmt.Errorf("record unfollows: %w", err)
			}
			res := tx.core.Conn(ctx).Exec(`UPDATE followers SET status = ?, updated_at = ?
				WHERE account_id = ? AND id IN ? AND status <> ?`, models.StatusBlocked, now, a.ID, ids, models.StatusBlocked)
			if res.Error != nil {
				return fmt.Errorf("block followers: %w", res.Error)
			}
			changed = res.RowsAffected
		} else {
			res := tx.core.Conn(ctx).Exec(`UPDATE followers SET status = ?, unsubscribed_at = ?, updated_at = ?
				WHERE account_id = ? AND id IN ? AND status = ?`, models.StatusUnsubscribed, now, now, a.ID, ids, models.StatusBlocked)
			if res.Error != nil {
				return fmt.Errorf("unblock followers: %w", res.Error)
			}
			changed = res.RowsAffected
		}
		if changed == 0 {
			return nil
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, action, "@"+a.Handle, "("+strconv.FormatInt(changed, 10)+")")
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// GenerateFollowers adds n active followers on channel to an account in
// set-based statements, for demos and benchmarks (`plaza demo
// --followers`). Addresses are prefix plus a number; every third follower
// reads Chinese and every tenth has the tag line-12. Existing addresses
// are kept. It returns how many were added.
func (s *Service) GenerateFollowers(ctx context.Context, accountID int64, channel, prefix string, n int) (int64, error) {
	return s.GenerateNumbered(ctx, accountID, channel, prefix, "", 0, n)
}

// GenerateNumbered is GenerateFollowers with the numbers counted from
// first+1, so addresses can have a fixed length, and suffix after each
// number: prefix "+852" and first 60100000 give the mobile numbers
// +85260100001, +85260100002… (SMS followers in E.164); prefix "r" and
// suffix "@bench.invalid" the addresses r1@bench.invalid… (e-mail).
func (s *Service) GenerateNumbered(ctx context.Context, accountID int64, channel, prefix, suffix string, first int64, n int) (int64, error) {
	series := "SELECT g AS x FROM generate_series(1, ?) AS g"
	if s.core.Dialect() != database.Postgres {
		series = "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?) SELECT x FROM g"
	}
	var added int64
	err := s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		res := tx.core.Conn(ctx).Exec(`INSERT INTO followers (account_id, channel, address, name, language, status, source,
				consent_at, confirmed_at, created_at, updated_at)
			SELECT ?, ?, ? || CAST(CAST(? AS BIGINT) + s.x AS TEXT) || ?, '', CASE WHEN s.x % 3 = 0 THEN 'zh-Hans' ELSE 'en' END, 'active', 'import', ?, ?, ?, ?
			FROM (`+series+`) AS s
			WHERE true -- SQLite needs a WHERE to tell this ON CONFLICT from a join's ON
			ON CONFLICT (account_id, channel, address) DO NOTHING`,
			accountID, channel, prefix, first, suffix, now, now, now, now, n)
		if res.Error != nil {
			return fmt.Errorf("generate followers: %w", res.Error)
		}
		added = res.RowsAffected
		pattern := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
		if err := tx.core.Conn(ctx).Exec(`INSERT INTO follow_events (account_id, follower_id, channel, kind, created_at)
			SELECT account_id, id, channel, 'follow', ? FROM followers
			WHERE account_id = ? AND channel = ? AND address LIKE ? ESCAPE '\' AND created_at = ?`,
			now, accountID, channel, pattern, now).Error; err != nil {
			return fmt.Errorf("record generated follows: %w", err)
		}
		if err := tx.core.Conn(ctx).Exec(`INSERT INTO follower_tags (follower_id, tag)
			SELECT id, 'line-12' FROM followers
			WHERE account_id = ? AND channel = ? AND address LIKE ? ESCAPE '\' AND created_at = ? AND id % 10 = 0
			ON CONFLICT DO NOTHING`, accountID, channel, pattern, now).Error; err != nil {
			return fmt.Errorf("tag generated followers: %w", err)
		}
		return nil
	})
	return added, err
}

// SeededFollowers lists an account's first thousand followers by id: the
// demo data places them on its map.
func (s *Service) SeededFollowers(ctx context.Context, accountID int64) ([]models.Follower, error) {
	var list []models.Follower
	if err := s.core.Conn(ctx).Where("account_id = ?", accountID).Order("id").Limit(1000).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list followers: %w", err)
	}
	return list, nil
}
