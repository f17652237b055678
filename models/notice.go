package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/database"
)

// Notice kinds.
const (
	NoticeTransit = "transit"
	NoticeSafety  = "safety"
	NoticeGeneral = "general"
	NoticeUpdate  = "update"
)

// NoticeKinds lists the kinds in the order the editor offers them.
func NoticeKinds() []string {
	return []string{NoticeGeneral, NoticeTransit, NoticeSafety, NoticeUpdate}
}

// Notice states. A published notice becomes "updated" once an update has
// gone out; "cancelled" covers both a cancellation and an all-clear (Ended
// says which).
const (
	NoticeDraft     = "draft"
	NoticeScheduled = "scheduled"
	NoticePublished = "published"
	NoticeUpdated   = "updated"
	NoticeCancelled = "cancelled"
	NoticeExpired   = "expired"
)

// How a notice ended.
const (
	EndCancel   = "cancel"
	EndAllClear = "all_clear"
)

// Notice is one notice of an account, in English and Chinese.
type Notice struct {
	ID          int64
	AccountID   int64
	Kind        string
	Status      string
	Ended       string
	TitleEn     string
	TitleZh     string
	BodyEn      string
	BodyZh      string
	CapCategory string
	CapEvent    string
	Urgency     string
	Severity    string
	Certainty   string
	AreaDesc    string
	Routes      string
	Stops       string
	Cause       string
	Effect      string
	EffectiveAt *time.Time
	ExpiresAt   *time.Time
	// PublishAt is when a scheduled notice publishes itself.
	PublishAt    *time.Time
	AudienceTags string
	// Revision counts the versions followers were sent: 1 after
	// publication, +1 per update.
	Revision    int
	PublishedAt *time.Time
	EndedAt     *time.Time
	CreatedBy   *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Title is the notice's title in lang, or in the other language when it
// has none in lang.
func (n *Notice) Title(lang string) string {
	t, _ := n.localized(lang)
	return t
}

// Body is the Markdown body matching Title's language.
func (n *Notice) Body(lang string) string {
	_, b := n.localized(lang)
	return b
}

// Language is the language Title and Body are in for a reader of lang.
func (n *Notice) Language(lang string) string {
	if lang == "zh" {
		if n.TitleZh != "" {
			return "zh"
		}
		return "en"
	}
	if n.TitleEn != "" {
		return "en"
	}
	return "zh"
}

func (n *Notice) localized(lang string) (string, string) {
	if n.Language(lang) == "zh" {
		return n.TitleZh, n.BodyZh
	}
	return n.TitleEn, n.BodyEn
}

// HasLanguage reports whether the notice was written in lang.
func (n *Notice) HasLanguage(lang string) bool {
	if lang == "zh" {
		return n.TitleZh != ""
	}
	return n.TitleEn != ""
}

// Emergency reports whether the notice takes the emergency lane: a safety
// notice of severity Extreme or Severe.
func (n *Notice) Emergency() bool {
	return n.Kind == NoticeSafety && (n.Severity == "Extreme" || n.Severity == "Severe")
}

// Live reports whether the notice is published and not ended.
func (n *Notice) Live() bool { return n.Status == NoticePublished || n.Status == NoticeUpdated }

// Editable reports whether the notice can still be edited without
// sending anything.
func (n *Notice) Editable() bool { return n.Status == NoticeDraft || n.Status == NoticeScheduled }

// RouteList, StopList and TagList split the comma-separated columns.
func (n *Notice) RouteList() []string { return SplitList(n.Routes) }
func (n *Notice) StopList() []string  { return SplitList(n.Stops) }
func (n *Notice) TagList() []string   { return SplitList(n.AudienceTags) }

func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// accountNotice loads a notice of the account; its callers have asked
// Require about the account first.
func (s *Store) accountNotice(ctx context.Context, a *Account, id int64) (*Notice, error) {
	var n Notice
	if err := s.conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).First(&n).Error; err != nil {
		return nil, notFound(err, "notice")
	}
	return &n, nil
}

// OrgNotice loads a notice of one of the member's accounts.
func (s *Store) OrgNotice(ctx context.Context, m *Member, a *Account, id int64) (*Notice, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	return s.accountNotice(ctx, a, id)
}

// NoticeFilter narrows the studio's notice list.
type NoticeFilter struct {
	Status string
	Query  string
}

// OrgNotices lists an account's notices for staff, newest first.
func (s *Store) OrgNotices(ctx context.Context, m *Member, a *Account, f NoticeFilter, page Page) ([]Notice, int64, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	q := s.conn(ctx).Model(&Notice{}).Where("account_id = ?", a.ID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Query = strings.TrimSpace(f.Query); f.Query != "" {
		p := LikePattern(f.Query)
		q = q.Where("("+LikeExpr("title_en")+" OR "+LikeExpr("title_zh")+")", p, p)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count notices: %w", err)
	}
	var out []Notice
	if err := q.Order("updated_at DESC, id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	return out, total, nil
}

// CreateNotice saves a new draft.
func (s *Store) CreateNotice(ctx context.Context, m *Member, a *Account, in NoticeInput) (*Notice, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	in, err := in.validate(false, s.Now())
	if err != nil {
		return nil, err
	}
	now := s.Now()
	n := &Notice{AccountID: a.ID, Status: NoticeDraft, CreatedAt: now, UpdatedAt: now}
	if m.User.ID != 0 {
		// 0 is the system (an imported feed, a token whose maker left).
		n.CreatedBy = &m.User.ID
	}
	in.apply(n)
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(n).Error; err != nil {
			return fmt.Errorf("create notice: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.create", NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

func NoticeTarget(a *Account, n *Notice) string { return fmt.Sprintf("@%s notice %d", a.Handle, n.ID) }

// lockNotice re-reads the notice inside a transaction, holding its row on
// PostgreSQL so that two editors' lifecycle changes run one after the
// other. (SQLite transactions already take the write lock up front.)
func (s *Store) lockNotice(ctx context.Context, n *Notice) error {
	q := s.conn(ctx)
	if s.dialect == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(n, n.ID).Error; err != nil {
		return notFound(err, "notice")
	}
	return nil
}

// SaveNotice edits a draft or a scheduled notice; nothing is sent.
func (s *Store) SaveNotice(ctx context.Context, m *Member, a *Account, id int64, in NoticeInput) (*Notice, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, err
	}
	// A scheduled notice is already approved for publication: saving it
	// must pass the same checks, or it would fail silently at its time.
	in, err = in.validate(n.Status == NoticeScheduled, s.Now())
	if err != nil {
		return nil, err
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Editable() {
			return FieldError("status", "notices.err_not_editable")
		}
		if n.Status == NoticeScheduled && in.PublishAt == nil {
			return FieldError("publish_at", "err.required")
		}
		in.apply(n)
		n.UpdatedAt = tx.Now()
		if err := tx.conn(ctx).Save(n).Error; err != nil {
			return fmt.Errorf("save notice: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.edit", NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// DeleteNotice removes a draft. Anything that was published stays, so the
// record of what followers were told is never lost.
func (s *Store) DeleteNotice(ctx context.Context, m *Member, a *Account, id int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Where("id = ? AND status = ?", n.ID, NoticeDraft).Delete(&Notice{})
		if res.Error != nil {
			return fmt.Errorf("delete notice: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return FieldError("status", "notices.err_only_drafts_deleted")
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.delete", NoticeTarget(a, n), n.Title("en"))
	})
}

// PublishNotice publishes a draft now, or schedules it when its
// publish-at time is in the future. A scheduled notice given no time, or a
// past one, publishes now.
func (s *Store) PublishNotice(ctx context.Context, m *Member, a *Account, id int64, in NoticeInput) (*Notice, *Broadcast, error) {
	if err := Require(m, PermPublish, a.OrgID()); err != nil {
		return nil, nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	in, err = in.validate(true, s.Now())
	if err != nil {
		return nil, nil, err
	}
	var b *Broadcast
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Editable() {
			return FieldError("status", "notices.err_already_published")
		}
		in.apply(n)
		now := tx.Now()
		n.UpdatedAt = now
		if n.PublishAt != nil && n.PublishAt.After(now) {
			n.Status = NoticeScheduled
			if err := tx.conn(ctx).Save(n).Error; err != nil {
				return fmt.Errorf("schedule notice: %w", err)
			}
			return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.schedule", NoticeTarget(a, n), n.PublishAt.Format(time.RFC3339))
		}
		b, err = tx.publish(ctx, a, n, m.User.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return n, b, nil
}

// publish turns n (locked, editable) into a published notice with its
// first broadcast and the broadcast's job, inside the caller's transaction.
func (s *Store) publish(ctx context.Context, a *Account, n *Notice, userID int64) (*Broadcast, error) {
	now := s.Now()
	n.Status = NoticePublished
	n.PublishedAt = &now
	n.PublishAt = nil
	n.Revision = 1
	n.UpdatedAt = now
	if err := s.conn(ctx).Save(n).Error; err != nil {
		return nil, fmt.Errorf("publish notice: %w", err)
	}
	b, err := s.startBroadcast(ctx, n, KindPublish, userID)
	if err != nil {
		return nil, err
	}
	return b, s.Audit(ctx, a.OrganizationID, userID, "notice.publish", NoticeTarget(a, n), n.Title("en"))
}

// Unschedule turns a scheduled notice back into a draft.
func (s *Store) Unschedule(ctx context.Context, m *Member, a *Account, id int64) (*Notice, error) {
	if err := Require(m, PermPublish, a.OrgID()); err != nil {
		return nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, err
	}
	err = s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&Notice{}).Where("id = ? AND status = ?", n.ID, NoticeScheduled).
			Updates(map[string]any{"status": NoticeDraft, "publish_at": nil, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("unschedule notice: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return FieldError("status", "notices.err_not_scheduled")
		}
		n.Status, n.PublishAt = NoticeDraft, nil
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.unschedule", NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// UpdateNotice changes a published notice and sends the new version to
// its audience, marked as an update.
func (s *Store) UpdateNotice(ctx context.Context, m *Member, a *Account, id int64, in NoticeInput) (*Notice, *Broadcast, error) {
	if err := Require(m, PermPublish, a.OrgID()); err != nil {
		return nil, nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	in.PublishAt = nil
	in, err = in.validate(true, s.Now())
	if err != nil {
		return nil, nil, err
	}
	var b *Broadcast
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Live() {
			return FieldError("status", "notices.err_not_live")
		}
		in.apply(n)
		n.Status = NoticeUpdated
		n.Revision++
		n.UpdatedAt = tx.Now()
		if err := tx.conn(ctx).Save(n).Error; err != nil {
			return fmt.Errorf("update notice: %w", err)
		}
		if b, err = tx.startBroadcast(ctx, n, KindUpdate, m.User.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.update", NoticeTarget(a, n), fmt.Sprintf("revision %d", n.Revision))
	})
	if err != nil {
		return nil, nil, err
	}
	return n, b, nil
}

// EndNotice cancels a published notice or gives the all-clear, and tells
// its audience.
func (s *Store) EndNotice(ctx context.Context, m *Member, a *Account, id int64, how string) (*Notice, *Broadcast, error) {
	if err := Require(m, PermPublish, a.OrgID()); err != nil {
		return nil, nil, err
	}
	if how != EndCancel && how != EndAllClear {
		return nil, nil, FieldError("end", "err.choose_one")
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	var b *Broadcast
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Live() {
			return FieldError("status", "notices.err_not_live")
		}
		now := tx.Now()
		n.Status, n.Ended, n.EndedAt, n.UpdatedAt = NoticeCancelled, how, &now, now
		n.Revision++
		if err := tx.conn(ctx).Save(n).Error; err != nil {
			return fmt.Errorf("end notice: %w", err)
		}
		kind := KindCancel
		if how == EndAllClear {
			kind = KindAllClear
		}
		if b, err = tx.startBroadcast(ctx, n, kind, m.User.ID); err != nil {
			return err
		}
		action := "notice.cancel"
		if how == EndAllClear {
			action = "notice.all_clear"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, action, NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, nil, err
	}
	return n, b, nil
}

// AudienceCount is how many active followers of the account a notice for
// tags (none: everyone) would reach.
func (s *Store) AudienceCount(ctx context.Context, m *Member, a *Account, tags []string) (int64, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return 0, err
	}
	tags, bad := NormalizeTags(tags)
	if bad != "" {
		return 0, FieldError("tags", "err.tag_format")
	}
	q := s.conn(ctx).Table("followers").Where("account_id = ? AND status = ?", a.ID, StatusActive)
	if len(tags) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM follower_tags t WHERE t.follower_id = followers.id AND t.tag IN ?)", tags)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count audience: %w", err)
	}
	return n, nil
}

// startBroadcast writes a broadcast and the job that materializes it,
// inside the transaction s is bound to. Package broadcast owns the
// broadcasts and deliveries tables; the store only calls it.
func (s *Store) startBroadcast(ctx context.Context, n *Notice, kind string, userID int64) (*Broadcast, error) {
	if s.broadcaster == nil {
		return nil, fmt.Errorf("start broadcast of notice %d: no broadcaster configured", n.ID)
	}
	return s.broadcaster.Start(ctx, s.db, n, kind, userID)
}
