package follower_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/followerimport"
)

func TestImportApply(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a, ctx := w.a, w.ctx
		acct := w.f.Account.ID
		w.seed(t, "same@example.org", "Same Person", "en", models.StatusActive, "donor")
		w.seed(t, "rename@example.org", "Old Name", "en", models.StatusActive, "donor", "north")
		w.seed(t, "waiting@example.org", "Waiting", "en", models.StatusPending)
		w.seed(t, "gone@example.org", "Gone", "en", models.StatusUnsubscribed)
		w.seed(t, "bounce@example.org", "Bounce", "en", models.StatusBounced)
		w.seed(t, "blocked@example.org", "Blocked", "en", models.StatusBlocked)
		future := a.Store.Now().Add(48 * time.Hour).Format("2006-01-02")
		file := importHeader +
			"new1@example.org,New One,en,donor;north,2024-01-01\n" + // 2
			"new2@example.org,新二,zh,,2024-02-01 10:00\n" + // 3
			"same@example.org,Same Person,en,donor,2023-01-01\n" + // 4
			"rename@example.org,New Name,zh,donor,2023-01-01\n" + // 5
			"waiting@example.org,Waiting,en,volunteer,2023-01-01\n" + // 6
			"gone@example.org,Gone,en,,2023-01-01\n" + // 7
			"bounce@example.org,Bounce,en,,2023-01-01\n" + // 8
			"blocked@example.org,Blocked,en,,2023-01-01\n" + // 9
			"soon@example.org,Soon,en,," + future + "\n" + // 10
			"new1@example.org,New One Again,en,,2024-01-01\n" + // 11
			"bad address,Bad,en,,2024-01-01\n" // 12
		p := w.create(t, file)
		want := map[string]string{
			"2 new1@example.org":    "new",
			"3 new2@example.org":    "new",
			"4 same@example.org":    "unchanged",
			"5 rename@example.org":  "update name,language,tags",
			"6 waiting@example.org": "update tags",
			"7 gone@example.org":    "rejected import.reason.unsubscribed",
			"8 bounce@example.org":  "rejected import.reason.bounced",
			"9 blocked@example.org": "rejected import.reason.blocked",
			"10 soon@example.org":   "rejected import.reason.consent_future",
			"11 new1@example.org":   "rejected import.reason.duplicate",
			"12 bad address":        "rejected import.reason.address",
		}
		if got := outcomes(p); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("preview:\n got %v\nwant %v", got, want)
		}
		wantCounts := followerimport.Counts{Total: 11, New: 2, Update: 2, Unchanged: 1, Rejected: 6}
		if p.Counts != wantCounts || p.Import.Counts() != wantCounts || p.Import.RowCount != 11 {
			t.Fatalf("counts %+v, stored %+v; want %+v", p.Counts, p.Import.Counts(), wantCounts)
		}
		// The preview is the same when recomputed from the stored file.
		imp, err := a.Followers.ImportByID(ctx, w.staff, w.f.Account, p.Import.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := a.Followers.PreviewImport(ctx, w.staff, w.f.Account, imp)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(outcomes(again)) != fmt.Sprint(want) || again.Counts != wantCounts {
			t.Fatalf("recomputed preview differs: %v %+v", outcomes(again), again.Counts)
		}

		before := dump(t, a, acct)
		events := count(t, a, "follow_events", "account_id = ? AND kind = 'follow'", acct)
		counts, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, imp)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if counts != wantCounts {
			t.Fatalf("applied %+v, want %+v", counts, wantCounts)
		}
		after := dump(t, a, acct)
		if d := diff(before, after); fmt.Sprint(d) != "[new1@example.org new2@example.org rename@example.org waiting@example.org]" {
			t.Fatalf("changed followers: %v", d)
		}
		n1, err := followerByAddr(a, acct, "new1@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if n1.Name != "New One" || n1.Status != models.StatusActive || n1.Source != "import" || n1.Language != "en" ||
			n1.ConsentAt == nil || !n1.ConsentAt.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || !slices.Equal(n1.Tags, []string{"donor", "north"}) {
			t.Fatalf("new follower: %+v", n1)
		}
		n2, _ := followerByAddr(a, acct, "new2@example.org")
		if n2.Name != "新二" || n2.Language != "zh-Hans" || len(n2.Tags) != 0 {
			t.Fatalf("new follower 2: %+v", n2)
		}
		r, _ := followerByAddr(a, acct, "rename@example.org")
		if r.Name != "New Name" || r.Language != "zh-Hans" || !slices.Equal(r.Tags, []string{"donor"}) || r.Status != models.StatusActive {
			t.Fatalf("updated follower: %+v", r)
		}
		wt, _ := followerByAddr(a, acct, "waiting@example.org")
		if wt.Status != models.StatusPending || !slices.Equal(wt.Tags, []string{"volunteer"}) {
			t.Fatalf("a pending follower keeps waiting for their confirmation: %+v", wt)
		}
		if got := count(t, a, "follow_events", "account_id = ? AND kind = 'follow'", acct); got != events+2 {
			t.Fatalf("follow events %d, want %d: one per new follower", got, events+2)
		}
		if n := count(t, a, "audit_log", "action = ? AND detail = ?", "followers.import",
			"donors.csv: 2 new, 2 updated, 1 unchanged, 6 rejected"); n != 1 {
			t.Fatalf("audit entries: %d", n)
		}
		done, _ := a.Followers.ImportByID(ctx, w.staff, w.f.Account, imp.ID)
		if done.Status != follower.ImportApplied || done.AppliedAt == nil || done.Counts() != wantCounts {
			t.Fatalf("import after apply: %+v", done)
		}
		if n := count(t, a, "imports", "id = ? AND content IS NULL", imp.ID); n != 1 {
			t.Fatal("the file is kept after the import is applied")
		}

		// Applying twice, or cancelling afterwards, is refused and changes nothing.
		if _, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, imp); !errors.Is(err, follower.ErrImportClosed) {
			t.Fatalf("second apply: %v", err)
		}
		if err := a.Followers.CancelImport(ctx, w.staff, w.f.Account, imp); !errors.Is(err, follower.ErrImportClosed) {
			t.Fatalf("cancel after apply: %v", err)
		}
		if d := diff(after, dump(t, a, acct)); len(d) != 0 {
			t.Fatalf("a refused apply changed %v", d)
		}

		// Re-importing the same file: every row unchanged or rejected as
		// before, and applying it changes nothing at all.
		// The clock moves on first, so a row rewritten with the same
		// values would still show in updated_at: a fixed pause is right,
		// as the passing of time is itself what the check needs.
		time.Sleep(10 * time.Millisecond)
		p2 := w.create(t, file)
		for k, v := range want {
			if !strings.HasPrefix(v, "rejected") {
				want[k] = "unchanged"
			}
		}
		if got := outcomes(p2); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("re-import preview:\n got %v\nwant %v", got, want)
		}
		events = count(t, a, "follow_events", "account_id = ?", acct)
		if _, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, p2.Import); err != nil {
			t.Fatal(err)
		}
		if d := diff(after, dump(t, a, acct)); len(d) != 0 {
			t.Fatalf("re-importing the same file changed %v", d)
		}
		if got := count(t, a, "follow_events", "account_id = ?", acct); got != events {
			t.Fatalf("re-import recorded %d follow events", got-events)
		}

		// A changed file updates only the rows that changed (the clock
		// moves on first, as above, so a needless rewrite would show).
		time.Sleep(10 * time.Millisecond)
		changed := strings.Replace(file, "New One,en,donor;north", "New One,en,donor", 1)
		changed = strings.Replace(changed, "新二,zh,,", "王新二,zh,,", 1)
		p3 := w.create(t, changed)
		if p3.Counts.Update != 2 || p3.Counts.New != 0 {
			t.Fatalf("changed file: %+v", p3.Counts)
		}
		if _, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, p3.Import); err != nil {
			t.Fatal(err)
		}
		final := dump(t, a, acct)
		if d := diff(after, final); fmt.Sprint(d) != "[new1@example.org new2@example.org]" {
			t.Fatalf("changed file changed %v", d)
		}
		if n1, _ = followerByAddr(a, acct, "new1@example.org"); !slices.Equal(n1.Tags, []string{"donor"}) {
			t.Fatalf("tags not replaced: %v", n1.Tags)
		}
		gone, _ := followerByAddr(a, acct, "gone@example.org")
		if gone.Status != models.StatusUnsubscribed {
			t.Fatalf("an import re-subscribed someone who left: %+v", gone)
		}
	})
}

// TestImportRecomputesOnApply changes followers between the preview and the
// apply: the apply judges them as they are then.
func TestStaleImportsLoseTheirFiles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		clk := &clock{now: time.Now()}
		store := models.NewStore(w.a.DB, clk.Now)
		fol := app.NewDomains(store, nil, nil).Followers
		csv := importHeader + "ann@example.org,Ann,en,,2024-01-01\n"
		old, err := fol.CreateImport(w.ctx, w.staff, w.f.Account, "old.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(follower.ImportKeep - time.Hour)
		young, err := fol.CreateImport(w.ctx, w.staff, w.f.Account, "young.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Hour)
		n, err := fol.CancelStaleImports(w.ctx)
		if err != nil || n != 1 {
			t.Fatalf("cancelled %d, err %v; want the one import pending for longer than %s", n, err, follower.ImportKeep)
		}
		for _, c := range []struct {
			id      int64
			status  string
			hasFile bool
		}{{old.Import.ID, follower.ImportCancelled, false}, {young.Import.ID, follower.ImportPending, true}} {
			var row struct {
				Status  string
				Content []byte
			}
			if err := w.a.DB.Gorm.Raw("SELECT status, content FROM imports WHERE id = ?", c.id).Scan(&row).Error; err != nil {
				t.Fatal(err)
			}
			if row.Status != c.status || (row.Content != nil) != c.hasFile {
				t.Errorf("import %d: status %s, file kept %v; want %s, %v", c.id, row.Status, row.Content != nil, c.status, c.hasFile)
			}
		}
		// The stale one shows its counts, and applying it is refused.
		imp, err := fol.ImportByID(w.ctx, w.staff, w.f.Account, old.Import.ID)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Counts().New != 1 {
			t.Errorf("the cancelled import lost its counts: %+v", imp.Counts())
		}
		if _, err := fol.ApplyImport(w.ctx, w.staff, w.f.Account, imp); !errors.Is(err, follower.ErrImportClosed) {
			t.Errorf("applying a stale import: %v, want ErrImportClosed", err)
		}
	})
}

func TestImportRecomputesOnApply(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a, ctx := w.a, w.ctx
		acct := w.f.Account.ID
		leaving := w.seed(t, "leaving@example.org", "Leaving", "en", models.StatusActive)
		p := w.create(t, importHeader+
			"leaving@example.org,Leaving Renamed,en,,2023-01-01\n"+
			"joined@example.org,Joined,zh,donor,2023-01-01\n")
		if p.Counts.Update != 1 || p.Counts.New != 1 {
			t.Fatalf("preview: %+v", p.Counts)
		}
		if _, err := a.Followers.Unsubscribe(ctx, leaving.ID); err != nil {
			t.Fatal(err)
		}
		w.seed(t, "joined@example.org", "", "en", models.StatusPending)
		counts, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
		if err != nil {
			t.Fatal(err)
		}
		if want := (followerimport.Counts{Total: 2, Update: 1, Rejected: 1}); counts != want {
			t.Fatalf("applied %+v, want %+v", counts, want)
		}
		l, _ := followerByAddr(a, acct, "leaving@example.org")
		if l.Status != models.StatusUnsubscribed || l.Name != "Leaving" {
			t.Fatalf("someone who unsubscribed after the preview was changed: %+v", l)
		}
		j, _ := followerByAddr(a, acct, "joined@example.org")
		if j.Status != models.StatusPending || j.Name != "Joined" || j.Language != "zh-Hans" || !slices.Equal(j.Tags, []string{"donor"}) {
			t.Fatalf("someone who followed after the preview: %+v", j)
		}
	})
}

// TestImportAllOrNothing makes the database refuse one row late in a large
// import, once for a follower and once for a tag: nothing of the import is
// kept, and it can be applied once the cause is gone.
func TestImportAllOrNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a, ctx := w.a, w.ctx
		acct := w.f.Account.ID
		w.seed(t, "existing@example.org", "Existing", "en", models.StatusActive, "old")
		var b bytes.Buffer
		b.WriteString(importHeader)
		b.WriteString("existing@example.org,Existing Renamed,en,new,2023-01-01\n")
		for i := range 3000 {
			tag := "donor"
			if i == 2900 {
				tag = "boom"
			}
			fmt.Fprintf(&b, "p%04d@example.org,Person %d,en,%s,2024-01-01\n", i, i, tag)
		}
		b.WriteString("boom@example.org,Boom,en,,2024-01-01\n")
		p := w.create(t, b.String())
		if p.Counts.New != 3001 || p.Counts.Update != 1 {
			t.Fatalf("preview: %+v", p.Counts)
		}
		before := dump(t, a, acct)
		state := func() string {
			return fmt.Sprint(count(t, a, "follower_tags", "1 = 1"), count(t, a, "follow_events", "1 = 1"),
				count(t, a, "audit_log", "1 = 1"), count(t, a, "imports", "status = ?", follower.ImportPending))
		}
		stateBefore := state()
		postgres := a.DB.Dialect == database.Postgres
		guards := []struct{ name, add, drop string }{
			{"a follower", "ALTER TABLE followers ADD CONSTRAINT test_boom CHECK (address <> 'boom@example.org')",
				"ALTER TABLE followers DROP CONSTRAINT test_boom"},
			{"a tag", "ALTER TABLE follower_tags ADD CONSTRAINT test_boom CHECK (tag <> 'boom')",
				"ALTER TABLE follower_tags DROP CONSTRAINT test_boom"},
		}
		if !postgres {
			guards[0].add = "CREATE TRIGGER test_boom BEFORE INSERT ON followers WHEN NEW.address = 'boom@example.org' BEGIN SELECT RAISE(ABORT, 'boom'); END"
			guards[0].drop = "DROP TRIGGER test_boom"
			guards[1].add = "CREATE TRIGGER test_boom BEFORE INSERT ON follower_tags WHEN NEW.tag = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END"
			guards[1].drop = "DROP TRIGGER test_boom"
		}
		for _, g := range guards {
			if err := a.DB.Gorm.Exec(g.add).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, p.Import); err == nil {
				t.Fatalf("%s refused: the apply succeeded", g.name)
			}
			if d := diff(before, dump(t, a, acct)); len(d) != 0 {
				t.Fatalf("%s refused: %d followers changed, e.g. %v", g.name, len(d), d[:min(3, len(d))])
			}
			if s := state(); s != stateBefore {
				t.Fatalf("%s refused: tags, events, audit, pending imports %s; before %s", g.name, s, stateBefore)
			}
			if err := a.DB.Gorm.Exec(g.drop).Error; err != nil {
				t.Fatal(err)
			}
		}
		counts, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
		if err != nil || counts.New != 3001 || counts.Update != 1 {
			t.Fatalf("apply after the cause is gone: %+v %v", counts, err)
		}
		if n := count(t, a, "followers", "account_id = ?", acct); n != 3002 {
			t.Fatalf("followers: %d", n)
		}
	})
}

// TestImportCancelledContext cancels the request while the apply runs:
// the transaction rolls back.
func TestImportCancelledContext(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a := w.a
		var b strings.Builder
		b.WriteString(importHeader)
		for i := range 20000 {
			fmt.Fprintf(&b, "p%05d@example.org,Person %d,en,donor;north,2024-01-01\n", i, i)
		}
		p := w.create(t, b.String())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		_, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
		if err == nil {
			t.Skip("the apply finished before the deadline; nothing to prove on this machine")
		}
		if n := count(t, a, "followers", "account_id = ?", w.f.Account.ID); n != 0 {
			t.Fatalf("%d followers kept from an interrupted import", n)
		}
		if n := count(t, a, "imports", "id = ? AND status = ?", p.Import.ID, follower.ImportPending); n != 1 {
			t.Fatal("an interrupted import is no longer pending")
		}
	})
}

func TestImportAccess(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a, ctx := w.a, w.ctx
		p := w.create(t, importHeader+"ann@example.org,Ann,en,,2024-01-01\n")
		outsider := &models.Member{User: w.f.Outside, Org: w.f.Other, Role: models.RoleOwner}
		if _, err := a.Followers.ImportByID(ctx, outsider, w.f.Account, p.Import.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's owner: %v", err)
		}
		if _, err := a.Followers.ApplyImport(ctx, outsider, w.f.Account, p.Import); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's owner applies: %v", err)
		}
		viewer := w.f.Member(models.RoleViewer)
		if _, err := a.Followers.CreateImport(ctx, viewer, w.f.Account, "x.csv", []byte(importHeader)); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer: %v", err)
		}
		if n := count(t, a, "followers", "1 = 1"); n != 0 {
			t.Fatalf("followers: %d", n)
		}
	})
}

// TestImportConcurrentApply applies one import twice at the same time:
// one apply does the work, the other is refused.
func TestImportConcurrentApply(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		var b strings.Builder
		b.WriteString(importHeader)
		for i := range 2000 {
			fmt.Fprintf(&b, "p%04d@example.org,Person %d,en,donor,2024-01-01\n", i, i)
		}
		p := w.create(t, b.String())
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				imp := *p.Import
				_, err := w.a.Followers.ApplyImport(w.ctx, w.staff, w.f.Account, &imp)
				errs <- err
			}()
		}
		var ok, closed int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, follower.ErrImportClosed):
				closed++
			default:
				t.Fatalf("apply: %v", err)
			}
		}
		if ok != 1 || closed != 1 {
			t.Fatalf("%d applies succeeded, %d refused", ok, closed)
		}
		if n := count(t, w.a, "followers", "account_id = ?", w.f.Account.ID); n != 2000 {
			t.Fatalf("followers: %d", n)
		}
		if n := count(t, w.a, "follow_events", "account_id = ?", w.f.Account.ID); n != 2000 {
			t.Fatalf("follow events: %d", n)
		}
	})
}
