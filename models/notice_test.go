package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// noticeValidationCases are the refusals both the pure test and the
// through-the-store test check.
func noticeValidationCases(now time.Time) (safety models.NoticeInput, cases []noticeValidationCase) {
	past, later := now.Add(-time.Hour), now.Add(time.Hour)
	safety = models.NoticeInput{Kind: models.NoticeSafety, TitleEn: "Storm", BodyEn: "Stay in.", CapCategory: "Met",
		CapEvent: "Storm", Urgency: "Expected", Severity: "Moderate", Certainty: "Likely"}
	with := func(f func(*models.NoticeInput)) models.NoticeInput { in := safety; f(&in); return in }
	return safety, []noticeValidationCase{
		{"no kind", with(func(in *models.NoticeInput) { in.Kind = "" }), false, "kind"},
		{"unknown kind", with(func(in *models.NoticeInput) { in.Kind = "rumour" }), false, "kind"},
		{"no title at all", with(func(in *models.NoticeInput) { in.TitleEn = "" }), false, "title_en"},
		{"body without its title", with(func(in *models.NoticeInput) { in.BodyZh = "正文" }), false, "title_zh"},
		{"title too long", with(func(in *models.NoticeInput) { in.TitleEn = string(make([]rune, 201)) }), false, "title_en"},
		{"bad severity", with(func(in *models.NoticeInput) { in.Severity = "Apocalyptic" }), false, "severity"},
		{"bad cause", with(func(in *models.NoticeInput) { in.Kind, in.Cause = models.NoticeTransit, "ALIENS" }), false, "cause"},
		{"expiry before start", with(func(in *models.NoticeInput) { in.EffectiveAt, in.ExpiresAt = &later, &past }), false, "expires_at"},
		{"bad tag", with(func(in *models.NoticeInput) { in.Tags = []string{"Line 12!"} }), false, "tags"},
		{"publish without severity", with(func(in *models.NoticeInput) { in.Severity = "" }), true, "severity"},
		{"publish without event", with(func(in *models.NoticeInput) { in.CapEvent = "" }), true, "cap_event"},
		{"publish a title without body", with(func(in *models.NoticeInput) { in.TitleZh = "风暴" }), true, "body_zh"},
		{"publish already expired", with(func(in *models.NoticeInput) { in.ExpiresAt = &past }), true, "expires_at"},
	}
}

type noticeValidationCase struct {
	name    string
	in      models.NoticeInput
	publish bool
	field   string
}

// TestNoticeInputValidate checks the rules on their own, with no database.
func TestNoticeInputValidate(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	safety, cases := noticeValidationCases(now)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.Validate(tt.publish, now)
			if v, ok := models.AsValidation(err); !ok || v.Fields[tt.field] == "" {
				t.Fatalf("err = %v, want a message for %s", err, tt.field)
			}
			if !tt.publish {
				return
			}
			// What publishing refuses, a draft may hold.
			if _, err := tt.in.Validate(false, now); err != nil && tt.field != "expires_at" {
				t.Errorf("as a draft: %v", err)
			}
		})
	}
	for _, publish := range []bool{false, true} {
		if _, err := safety.Validate(publish, now); err != nil {
			t.Errorf("a complete safety notice (publish %v): %v", publish, err)
		}
	}
	// A draft may be incomplete; transit defaults its cause and effect and
	// cleans its routes.
	d, err := models.NoticeInput{Kind: models.NoticeTransit, TitleEn: " Works ", Routes: "12, 7\n12", Stops: "S1"}.Validate(false, now)
	if err != nil || d.Cause != "UNKNOWN_CAUSE" || d.Effect != "UNKNOWN_EFFECT" || d.Routes != "12,7" || d.TitleEn != "Works" {
		t.Fatalf("draft = %+v, %v", d, err)
	}
}

func TestNoticeValidation(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		editor := f.Member(models.RoleEditor)
		safety, tests := noticeValidationCases(time.Now())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var err error
				if tt.publish {
					d, cerr := a.Store.CreateNotice(ctx, editor, f.Account, tt.in)
					if cerr != nil {
						t.Fatalf("draft refused: %v", cerr)
					}
					_, _, err = a.Store.PublishNotice(ctx, editor, f.Account, d.ID, tt.in)
				} else {
					_, err = a.Store.CreateNotice(ctx, editor, f.Account, tt.in)
				}
				v, ok := models.AsValidation(err)
				if !ok || v.Fields[tt.field] == "" {
					t.Fatalf("err = %v, want a message for %s", err, tt.field)
				}
			})
		}
		// A draft may be incomplete; transit defaults its cause and effect.
		d, err := a.Store.CreateNotice(ctx, editor, f.Account, models.NoticeInput{Kind: models.NoticeTransit, TitleEn: "Works",
			Routes: "12, 7\n12", Stops: "S1"})
		if err != nil || d.Cause != "UNKNOWN_CAUSE" || d.Effect != "UNKNOWN_EFFECT" || d.Routes != "12,7" {
			t.Fatalf("draft = %+v, %v", d, err)
		}
		if _, err := a.Store.CreateNotice(ctx, f.Member(models.RoleViewer), f.Account, safety); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer create: %v", err)
		}
		otherOwner := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Store.OrgNotice(ctx, otherOwner, f.Account, d.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other organization reads the notice: %v", err)
		}
	})
}

func TestNoticeLifecycleRules(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		editor := f.Member(models.RoleEditor)
		in := models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: "Hello", BodyEn: "World"}
		d, err := a.Store.CreateNotice(ctx, editor, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		// Drafts are not live and cannot be updated or ended.
		if _, _, err := a.Store.UpdateNotice(ctx, editor, f.Account, d.ID, in); err == nil {
			t.Fatal("updated a draft")
		}
		if _, _, err := a.Store.EndNotice(ctx, editor, f.Account, d.ID, models.EndCancel); err == nil {
			t.Fatal("cancelled a draft")
		}
		if _, _, err := a.Store.EndNotice(ctx, editor, f.Account, d.ID, "explode"); err == nil {
			t.Fatal("accepted an unknown ending")
		}
		// Scheduling, then back to a draft.
		at := time.Now().Add(time.Hour)
		in.PublishAt = &at
		n, b, err := a.Store.PublishNotice(ctx, editor, f.Account, d.ID, in)
		if err != nil || b != nil || n.Status != models.NoticeScheduled {
			t.Fatalf("schedule: %v %v %s", err, b, n.Status)
		}
		if _, err := a.Store.SaveNotice(ctx, editor, f.Account, d.ID, models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: "No body"}); err == nil {
			t.Fatal("a scheduled notice was saved incomplete")
		}
		if n, err = a.Store.Unschedule(ctx, editor, f.Account, d.ID); err != nil || n.Status != models.NoticeDraft || n.PublishAt != nil {
			t.Fatalf("unschedule: %v %+v", err, n)
		}
		if _, err := a.Store.Unschedule(ctx, editor, f.Account, d.ID); err == nil {
			t.Fatal("unscheduled a draft")
		}
		// Publishing twice at once publishes once.
		in.PublishAt = nil
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok int
		for range 4 {
			wg.Go(func() {
				if _, _, err := a.Store.PublishNotice(ctx, editor, f.Account, d.ID, in); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		bs, err := a.BroadcastService.ForNotice(ctx, d.ID)
		if ok != 1 || err != nil || len(bs) != 1 {
			t.Fatalf("%d publishes succeeded, %d broadcasts (%v)", ok, len(bs), err)
		}
		// Only drafts are deleted.
		if err := a.Store.DeleteNotice(ctx, editor, f.Account, d.ID); err == nil {
			t.Fatal("deleted a published notice")
		}
		other, _ := a.Store.CreateNotice(ctx, editor, f.Account, in)
		if err := a.Store.DeleteNotice(ctx, editor, f.Account, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Store.OrgNotice(ctx, editor, f.Account, other.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted draft: %v", err)
		}
	})
}

func TestPublishScheduledOnce(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		editor := f.Member(models.RoleEditor)
		in := models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: "Soon", BodyEn: "Body"}
		d, _ := a.Store.CreateNotice(ctx, editor, f.Account, in)
		at := time.Now().Add(time.Hour)
		in.PublishAt = &at
		if _, _, err := a.Store.PublishNotice(ctx, editor, f.Account, d.ID, in); err != nil {
			t.Fatal(err)
		}
		// Not yet due: nothing is listed, and a job that comes early
		// publishes nothing.
		if ids, err := a.Store.DueScheduledNotices(ctx, 10); err != nil || len(ids) != 0 {
			t.Fatalf("due before its time: %v %v", ids, err)
		}
		if done, err := a.Store.PublishScheduled(ctx, d.ID); done || err != nil {
			t.Fatalf("published before its time: %v %v", done, err)
		}
		// Its time comes; several jobs (instances) try at once.
		a.Store.DB().Exec(`UPDATE notices SET publish_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), d.ID)
		if ids, err := a.Store.DueScheduledNotices(ctx, 10); err != nil || len(ids) != 1 || ids[0] != d.ID {
			t.Fatalf("due: %v %v", ids, err)
		}
		var wg sync.WaitGroup
		var published atomic.Int32
		for range 3 {
			wg.Go(func() {
				done, err := a.Store.PublishScheduled(ctx, d.ID)
				if err != nil {
					t.Error(err)
				}
				if done {
					published.Add(1)
				}
			})
		}
		wg.Wait()
		bs, _ := a.BroadcastService.ForNotice(ctx, d.ID)
		n, _ := a.Store.OrgNotice(ctx, editor, f.Account, d.ID)
		// (The app's own scan may have published it first.)
		if len(bs) != 1 || n.Status != models.NoticePublished || published.Load() > 1 {
			t.Fatalf("%d broadcasts, status %s, published %d times", len(bs), n.Status, published.Load())
		}
		if ids, _ := a.Store.DueScheduledNotices(ctx, 10); len(ids) != 0 {
			t.Fatalf("still due after publishing: %v", ids)
		}
		// Its expiry passes; overlapping runs expire and audit it once.
		a.Store.DB().Exec(`UPDATE notices SET expires_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), d.ID)
		for range 2 {
			wg.Go(func() {
				if _, err := a.Store.ExpireDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n, _ = a.Store.OrgNotice(ctx, editor, f.Account, d.ID)
		var audits int64
		a.Store.DB().Table("audit_log").Where("action = ? AND target LIKE ?", "notice.expire", fmt.Sprintf("%% notice %d", d.ID)).Count(&audits)
		if n.Status != models.NoticeExpired || audits != 1 {
			t.Fatalf("after expiry: status %s, %d audit entries", n.Status, audits)
		}
	})
}
