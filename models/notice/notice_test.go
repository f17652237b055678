package notice_test

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
	"github.com/plazahq/plaza/models/notice"
)

func TestNoticeValidation(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		editor := f.Member(models.RoleEditor)
		safety, tests := validationCases(time.Now())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var err error
				if tt.publish {
					d, cerr := a.Notices.CreateNotice(ctx, editor, f.Account, tt.in)
					if cerr != nil {
						t.Fatalf("draft refused: %v", cerr)
					}
					_, _, err = a.Notices.PublishNotice(ctx, editor, f.Account, d.ID, tt.in)
				} else {
					_, err = a.Notices.CreateNotice(ctx, editor, f.Account, tt.in)
				}
				v, ok := models.AsValidation(err)
				if !ok || v.Fields[tt.field] == "" {
					t.Fatalf("err = %v, want a message for %s", err, tt.field)
				}
			})
		}
		// A draft may be incomplete; transit defaults its cause and effect.
		d, err := a.Notices.CreateNotice(ctx, editor, f.Account, notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Works"),
			Routes: "12, 7\n12", Stops: "S1"})
		if err != nil || d.Cause != "UNKNOWN_CAUSE" || d.Effect != "UNKNOWN_EFFECT" || d.Routes != "12,7" {
			t.Fatalf("draft = %+v, %v", d, err)
		}
		if _, err := a.Notices.CreateNotice(ctx, f.Member(models.RoleViewer), f.Account, safety); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer create: %v", err)
		}
		otherOwner := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Notices.OrgNotice(ctx, otherOwner, f.Account, d.ID); !errors.Is(err, models.ErrNotFound) {
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
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Hello", "body", "World")}
		d, err := a.Notices.CreateNotice(ctx, editor, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		// Drafts are not live and cannot be updated or ended.
		if _, _, err := a.Notices.UpdateNotice(ctx, editor, f.Account, d.ID, in); err == nil {
			t.Fatal("updated a draft")
		}
		if _, _, err := a.Notices.EndNotice(ctx, editor, f.Account, d.ID, models.EndCancel); err == nil {
			t.Fatal("cancelled a draft")
		}
		if _, _, err := a.Notices.EndNotice(ctx, editor, f.Account, d.ID, "explode"); err == nil {
			t.Fatal("accepted an unknown ending")
		}
		// Scheduling, then back to a draft.
		at := time.Now().Add(time.Hour)
		in.PublishAt = &at
		n, b, err := a.Notices.PublishNotice(ctx, editor, f.Account, d.ID, in)
		if err != nil || b != nil || n.Status != models.NoticeScheduled {
			t.Fatalf("schedule: %v %v %s", err, b, n.Status)
		}
		if _, err := a.Notices.SaveNotice(ctx, editor, f.Account, d.ID, notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "No body")}); err == nil {
			t.Fatal("a scheduled notice was saved incomplete")
		}
		if n, err = a.Notices.Unschedule(ctx, editor, f.Account, d.ID); err != nil || n.Status != models.NoticeDraft || n.PublishAt != nil {
			t.Fatalf("unschedule: %v %+v", err, n)
		}
		if _, err := a.Notices.Unschedule(ctx, editor, f.Account, d.ID); err == nil {
			t.Fatal("unscheduled a draft")
		}
		// Publishing twice at once publishes once.
		in.PublishAt = nil
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok int
		for range 4 {
			wg.Go(func() {
				if _, _, err := a.Notices.PublishNotice(ctx, editor, f.Account, d.ID, in); err == nil {
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
		if err := a.Notices.DeleteNotice(ctx, editor, f.Account, d.ID); err == nil {
			t.Fatal("deleted a published notice")
		}
		other, _ := a.Notices.CreateNotice(ctx, editor, f.Account, in)
		if err := a.Notices.DeleteNotice(ctx, editor, f.Account, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Notices.OrgNotice(ctx, editor, f.Account, other.ID); !errors.Is(err, models.ErrNotFound) {
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
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Soon", "body", "Body")}
		d, _ := a.Notices.CreateNotice(ctx, editor, f.Account, in)
		at := time.Now().Add(time.Hour)
		in.PublishAt = &at
		if _, _, err := a.Notices.PublishNotice(ctx, editor, f.Account, d.ID, in); err != nil {
			t.Fatal(err)
		}
		// Not yet due: nothing is listed, and a job that comes early
		// publishes nothing.
		if ids, err := a.Notices.DueScheduledNotices(ctx, 10); err != nil || len(ids) != 0 {
			t.Fatalf("due before its time: %v %v", ids, err)
		}
		if done, err := a.Notices.PublishScheduled(ctx, d.ID); done || err != nil {
			t.Fatalf("published before its time: %v %v", done, err)
		}
		// Its time comes; several jobs (instances) try at once.
		a.Store.DB().Exec(`UPDATE notices SET publish_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), d.ID)
		if ids, err := a.Notices.DueScheduledNotices(ctx, 10); err != nil || len(ids) != 1 || ids[0] != d.ID {
			t.Fatalf("due: %v %v", ids, err)
		}
		var wg sync.WaitGroup
		var published atomic.Int32
		for range 3 {
			wg.Go(func() {
				done, err := a.Notices.PublishScheduled(ctx, d.ID)
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
		n, _ := a.Notices.OrgNotice(ctx, editor, f.Account, d.ID)
		// (The app's own scan may have published it first.)
		if len(bs) != 1 || n.Status != models.NoticePublished || published.Load() > 1 {
			t.Fatalf("%d broadcasts, status %s, published %d times", len(bs), n.Status, published.Load())
		}
		if ids, _ := a.Notices.DueScheduledNotices(ctx, 10); len(ids) != 0 {
			t.Fatalf("still due after publishing: %v", ids)
		}
		// Its expiry passes; overlapping runs expire and audit it once.
		a.Store.DB().Exec(`UPDATE notices SET expires_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), d.ID)
		for range 2 {
			wg.Go(func() {
				if _, err := a.Notices.ExpireDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n, _ = a.Notices.OrgNotice(ctx, editor, f.Account, d.ID)
		var audits int64
		a.Store.DB().Table("audit_log").Where("action = ? AND target LIKE ?", "notice.expire", fmt.Sprintf("%% notice %d", d.ID)).Count(&audits)
		if n.Status != models.NoticeExpired || audits != 1 {
			t.Fatalf("after expiry: status %s, %d audit entries", n.Status, audits)
		}
	})
}
