package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/project"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	return encoded(t, w, h, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
}

// TestAvatarSplitsTheWrite: SetAvatar writes the media row here and the
// account's pointer through the accounts' domain, in one transaction, and
// a new avatar deletes the old row; bad data changes nothing.
func TestAvatarSplitsTheWrite(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, ed, acc := a.Media, f.Member(models.RoleEditor), f.Account
		count := func() int64 {
			t.Helper()
			var n int64
			if err := a.DB.Gorm.Table("media").Where("organization_id = ?", acc.OrgID()).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		if err := s.SetAvatar(ctx, ed, acc, pngOf(t, 8, 8)); err != nil {
			t.Fatal(err)
		}
		first := *acc.AvatarPublicID
		if err := s.SetAvatar(ctx, ed, acc, pngOf(t, 9, 9)); err != nil {
			t.Fatal(err)
		}
		if *acc.AvatarPublicID == first || count() != before+1 {
			t.Fatalf("after two avatars: %d rows (had %d), public id %s then %s", count(), before, first, *acc.AvatarPublicID)
		}
		stored, err := a.Accounts.AccountByHandle(ctx, acc.Handle)
		if err != nil || stored.AvatarMediaID == nil || *stored.AvatarMediaID != *acc.AvatarMediaID {
			t.Fatalf("stored account points to %v, want %d (%v)", stored.AvatarMediaID, *acc.AvatarMediaID, err)
		}
		if _, err := s.ByPublicID(ctx, first, nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("old avatar: %v, want gone", err)
		}
		got, err := s.ByPublicID(ctx, *acc.AvatarPublicID, nil)
		if err != nil || got.Access != media.Avatar {
			t.Fatalf("new avatar: %+v %v", got, err)
		}
		var v *models.ValidationError
		if err := s.SetAvatar(ctx, ed, acc, []byte("not an image")); !errors.As(err, &v) || count() != before+1 {
			t.Fatalf("bad avatar: %v, %d rows", err, count())
		}
	})
}

// TestProjectFilesGoWithTheProject: deleting a project (the projects'
// domain) deletes its files and their bytes (this one's) through the
// hook app hands the store.
func TestProjectFilesGoWithTheProject(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed, acc := f.Member(models.RoleEditor), f.Account
		p, err := a.Projects.CreateProject(ctx, ed, acc, project.Input{Translations: models.Translations{"en": {"title": "Depot"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := a.Media.AddProjectFile(ctx, ed, acc, p.ID, "Plan", `C:\plans\plan.pdf`, []byte("%PDF-1.4\n% plan\n"))
		if err != nil || pf.Kind != "document" || pf.Filename != "plan.pdf" {
			t.Fatalf("add: %+v %v", pf, err)
		}
		if got, err := a.Media.ByPublicID(ctx, pf.MediaPublicID, nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a draft project's file fetched by nobody: %+v %v", got, err)
		}
		if got, err := a.Media.ByPublicID(ctx, pf.MediaPublicID, f.Member(models.RoleViewer).User); err != nil || got.Access != media.Members {
			t.Fatalf("a draft project's file fetched by a member: %+v %v", got, err)
		}
		if err := a.Projects.DeleteProject(ctx, ed, acc, p.ID); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := a.DB.Gorm.Table("media").Where("id = ?", pf.MediaID).Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("%d media rows left after the project went (%v)", n, err)
		}
	})
}
