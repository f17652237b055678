package models_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followerimport"
)

const importHeader = "address,name,language,tags,consent\n"

// dump is every follower of an account with its tags and timestamps, to
// prove that an import changed exactly what it should.
func dump(t *testing.T, a *apptest.App, accountID int64) map[string]string {
	t.Helper()
	var fs []models.Follower
	if err := a.DB.Gorm.Where("account_id = ?", accountID).Order("id").Find(&fs).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range fs {
		var tags []string
		if err := a.DB.Gorm.Model(&models.FollowerTag{}).Where("follower_id = ?", f.ID).Order("tag").Pluck("tag", &tags).Error; err != nil {
			t.Fatal(err)
		}
		out[f.Address] = fmt.Sprintf("id=%d name=%q lang=%s status=%s source=%s consent=%v tags=%v created=%v updated=%v",
			f.ID, f.Name, f.Language, f.Status, f.Source, tm(f.ConsentAt), tags, f.CreatedAt.UTC(), f.UpdatedAt.UTC())
	}
	return out
}

func tm(p *time.Time) string {
	if p == nil {
		return "nil"
	}
	return p.UTC().String()
}

func count(t *testing.T, a *apptest.App, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func diff(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, "-"+k)
		}
	}
	slices.Sort(out)
	return out
}

type importWorld struct {
	a     *apptest.App
	f     *apptest.Fixtures
	staff *models.Member
	ctx   context.Context
}

func newImportWorld(t *testing.T, dbURL string) *importWorld {
	a := apptest.Start(t, dbURL)
	f := apptest.Seed(t, a)
	w := &importWorld{a: a, f: f, staff: f.Member(models.RoleEditor), ctx: context.Background()}
	return w
}

func (w *importWorld) seed(t *testing.T, addr, name, lang, status string, tags ...string) *models.Follower {
	t.Helper()
	fl, err := w.a.Store.SeedFollower(w.ctx, w.f.Account.ID, models.ChannelEmail, addr, name, lang, tags, nil)
	if err != nil {
		t.Fatal(err)
	}
	if status != models.StatusActive {
		if err := w.a.DB.Gorm.Model(&models.Follower{}).Where("id = ?", fl.ID).Update("status", status).Error; err != nil {
			t.Fatal(err)
		}
	}
	return fl
}

func (w *importWorld) create(t *testing.T, csv string) *models.ImportPreview {
	t.Helper()
	p, err := w.a.Store.CreateImport(w.ctx, w.staff, w.f.Account, "donors.csv", []byte(csv))
	if err != nil {
		t.Fatalf("create import: %v", err)
	}
	return p
}

func outcomes(p *models.ImportPreview) map[string]string {
	out := map[string]string{}
	for _, r := range p.Rows {
		s := r.Outcome
		if r.Reason != "" {
			s += " " + r.Reason
		}
		if len(r.Changes) > 0 {
			s += " " + strings.Join(r.Changes, ",")
		}
		out[fmt.Sprintf("%d %s", r.Line, r.Address)] = s
	}
	return out
}

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
		imp, err := a.Store.ImportByID(ctx, w.staff, w.f.Account, p.Import.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := a.Store.PreviewImport(ctx, w.staff, w.f.Account, imp)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(outcomes(again)) != fmt.Sprint(want) || again.Counts != wantCounts {
			t.Fatalf("recomputed preview differs: %v %+v", outcomes(again), again.Counts)
		}

		before := dump(t, a, acct)
		events := count(t, a, "follow_events", "account_id = ? AND kind = 'follow'", acct)
		counts, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, imp)
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
		if n2.Name != "新二" || n2.Language != "zh" || len(n2.Tags) != 0 {
			t.Fatalf("new follower 2: %+v", n2)
		}
		r, _ := followerByAddr(a, acct, "rename@example.org")
		if r.Name != "New Name" || r.Language != "zh" || !slices.Equal(r.Tags, []string{"donor"}) || r.Status != models.StatusActive {
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
		done, _ := a.Store.ImportByID(ctx, w.staff, w.f.Account, imp.ID)
		if done.Status != models.ImportApplied || done.AppliedAt == nil || done.Counts() != wantCounts {
			t.Fatalf("import after apply: %+v", done)
		}
		if n := count(t, a, "imports", "id = ? AND content IS NULL", imp.ID); n != 1 {
			t.Fatal("the file is kept after the import is applied")
		}

		// Applying twice, or cancelling afterwards, is refused and changes nothing.
		if _, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, imp); !errors.Is(err, models.ErrImportClosed) {
			t.Fatalf("second apply: %v", err)
		}
		if err := a.Store.CancelImport(ctx, w.staff, w.f.Account, imp); !errors.Is(err, models.ErrImportClosed) {
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
		if _, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, p2.Import); err != nil {
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
		if _, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, p3.Import); err != nil {
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

func followerByAddr(a *apptest.App, accountID int64, addr string) (*models.Follower, error) {
	var f models.Follower
	if err := a.DB.Gorm.Where("account_id = ? AND address = ?", accountID, addr).First(&f).Error; err != nil {
		return nil, err
	}
	return a.Store.FollowerByID(context.Background(), f.ID)
}

// TestImportRecomputesOnApply changes followers between the preview and the
// apply: the apply judges them as they are then.
func TestStaleImportsLoseTheirFiles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		clk := &clock{now: time.Now()}
		store := models.NewStore(w.a.DB, clk.Now)
		csv := importHeader + "ann@example.org,Ann,en,,2024-01-01\n"
		old, err := store.CreateImport(w.ctx, w.staff, w.f.Account, "old.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(models.ImportKeep - time.Hour)
		young, err := store.CreateImport(w.ctx, w.staff, w.f.Account, "young.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Hour)
		n, err := store.CancelStaleImports(w.ctx)
		if err != nil || n != 1 {
			t.Fatalf("cancelled %d, err %v; want the one import pending for longer than %s", n, err, models.ImportKeep)
		}
		for _, c := range []struct {
			id      int64
			status  string
			hasFile bool
		}{{old.Import.ID, models.ImportCancelled, false}, {young.Import.ID, models.ImportPending, true}} {
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
		imp, err := store.ImportByID(w.ctx, w.staff, w.f.Account, old.Import.ID)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Counts().New != 1 {
			t.Errorf("the cancelled import lost its counts: %+v", imp.Counts())
		}
		if _, err := store.ApplyImport(w.ctx, w.staff, w.f.Account, imp); !errors.Is(err, models.ErrImportClosed) {
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
		if _, err := a.Store.Unsubscribe(ctx, leaving.ID); err != nil {
			t.Fatal(err)
		}
		w.seed(t, "joined@example.org", "", "en", models.StatusPending)
		counts, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
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
		if j.Status != models.StatusPending || j.Name != "Joined" || j.Language != "zh" || !slices.Equal(j.Tags, []string{"donor"}) {
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
				count(t, a, "audit_log", "1 = 1"), count(t, a, "imports", "status = ?", models.ImportPending))
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
			if _, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, p.Import); err == nil {
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
		counts, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
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
		_, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
		if err == nil {
			t.Skip("the apply finished before the deadline; nothing to prove on this machine")
		}
		if n := count(t, a, "followers", "account_id = ?", w.f.Account.ID); n != 0 {
			t.Fatalf("%d followers kept from an interrupted import", n)
		}
		if n := count(t, a, "imports", "id = ? AND status = ?", p.Import.ID, models.ImportPending); n != 1 {
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
		if _, err := a.Store.ImportByID(ctx, outsider, w.f.Account, p.Import.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's owner: %v", err)
		}
		if _, err := a.Store.ApplyImport(ctx, outsider, w.f.Account, p.Import); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's owner applies: %v", err)
		}
		viewer := w.f.Member(models.RoleViewer)
		if _, err := a.Store.CreateImport(ctx, viewer, w.f.Account, "x.csv", []byte(importHeader)); !errors.Is(err, models.ErrForbidden) {
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
				_, err := w.a.Store.ApplyImport(w.ctx, w.staff, w.f.Account, &imp)
				errs <- err
			}()
		}
		var ok, closed int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrImportClosed):
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

// followerReads watches what the store reads from the followers table: it
// sits between gorm and the database, and runs each SELECT that mentions
// followers once more on its own to count the rows it returns and note
// every text value in them.
type followerReads struct {
	mu     sync.Mutex
	rows   int
	values map[string]bool
}

func (r *followerReads) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows, r.values = 0, map[string]bool{}
}

func (r *followerReads) record(ctx context.Context, pool gorm.ConnPool, query string, args []any) error {
	rows, err := pool.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		r.rows++
		for _, v := range vals {
			switch v := v.(type) {
			case string:
				r.values[v] = true
			case []byte:
				r.values[string(v)] = true
			}
		}
	}
	return rows.Err()
}

// readPool is a connection pool, or a transaction, whose reads of
// followers are recorded.
type readPool struct {
	gorm.ConnPool
	reads *followerReads
}

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q := strings.TrimSpace(query); strings.HasPrefix(strings.ToUpper(q), "SELECT") && strings.Contains(q, "followers") {
		if err := p.reads.record(ctx, p.ConnPool, query, args); err != nil {
			return nil, err
		}
	}
	return p.ConnPool.QueryContext(ctx, query, args...)
}

// BeginTx begins on the pool underneath: a *sql.DB, or on SQLite the pool
// of the write connection, whose transactions are a gorm.ConnPool of its
// own.
func (p readPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	var tx gorm.ConnPool
	switch b := p.ConnPool.(type) {
	case gorm.TxBeginner:
		sqlTx, err := b.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		tx = sqlTx
	case gorm.ConnPoolBeginner:
		var err error
		if tx, err = b.BeginTx(ctx, opts); err != nil {
			return nil, err
		}
	default:
		return nil, gorm.ErrInvalidTransaction
	}
	c, ok := tx.(gorm.TxCommitter)
	if !ok {
		return nil, gorm.ErrInvalidTransaction
	}
	return &readTx{readPool{tx, p.reads}, c}, nil
}

type readTx struct {
	readPool
	tx gorm.TxCommitter
}

// gorm needs a pointer here: it asks whether the transaction is nil.
func (t *readTx) Commit() error   { return t.tx.Commit() }
func (t *readTx) Rollback() error { return t.tx.Rollback() }

// TestImportLoadsOnlyTheFilesFollowers previews and applies a file of 750
// existing followers, one new and one who left, against an account of
// 1,501 followers: only the followers the file names are read from the
// database, never the other 750, and the outcomes are those of comparing
// with every follower. 750 addresses take two statements on SQLite.
func TestImportLoadsOnlyTheFilesFollowers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a, ctx := w.a, w.ctx
		acct := w.f.Account.ID
		const n = 1500
		tagsOf := func(i int) string { return []string{"", "donor", "donor;north"}[i%3] }
		var all strings.Builder
		all.WriteString(importHeader)
		for i := range n {
			fmt.Fprintf(&all, "p%04d@example.org,Person %d,en,%s,2024-01-01\n", i, i, tagsOf(i))
		}
		seeded := w.create(t, all.String())
		if _, err := a.Store.ApplyImport(ctx, w.staff, w.f.Account, seeded.Import); err != nil {
			t.Fatal(err)
		}
		w.seed(t, "left@example.org", "Left", "en", models.StatusUnsubscribed, "donor")

		// The file names every other follower, renaming half of them.
		var file strings.Builder
		file.WriteString(importHeader)
		inFile := map[string]bool{"left@example.org": true, "new@example.org": true}
		maxRows := 1 + 1 // left@example.org and its tag
		want := followerimport.Counts{Total: 753, New: 1, Rejected: 2}
		for i := 0; i < n; i += 2 {
			name := fmt.Sprintf("Person %d", i)
			if i%4 == 2 {
				name += " Renamed"
				want.Update++
			} else {
				want.Unchanged++
			}
			addr := fmt.Sprintf("p%04d@example.org", i)
			fmt.Fprintf(&file, "%s,%s,en,%s,2024-01-01\n", addr, name, tagsOf(i))
			inFile[addr] = true
			maxRows += 1 + i%3 // the follower and its tags
		}
		file.WriteString("new@example.org,New,en,,2024-01-01\nleft@example.org,Left,en,,2024-01-01\nbad address,Bad,en,,2024-01-01\n")

		reads := &followerReads{}
		g := a.DB.Gorm.Session(&gorm.Session{NewDB: true, Context: ctx})
		g.Statement.ConnPool = readPool{g.Statement.ConnPool, reads}
		store := models.NewStore(&database.DB{Gorm: g, SQL: a.DB.SQL, Read: a.DB.Read, Dialect: a.DB.Dialect}, nil)
		check := func(step string) {
			t.Helper()
			if reads.rows == 0 {
				t.Fatalf("%s: no follower was read, so the check proves nothing", step)
			}
			if reads.rows > maxRows {
				t.Errorf("%s read %d rows of followers and tags; the file's followers have %d", step, reads.rows, maxRows)
			}
			var outside []string
			for v := range reads.values {
				if strings.Contains(v, "@") && !inFile[v] {
					outside = append(outside, v)
				}
			}
			if len(outside) > 0 {
				slices.Sort(outside)
				t.Fatalf("%s read %d followers the file does not name, e.g. %v", step, len(outside), outside[:min(3, len(outside))])
			}
		}

		reads.reset()
		p, err := store.CreateImport(ctx, w.staff, w.f.Account, "donors.csv", []byte(file.String()))
		if err != nil {
			t.Fatal(err)
		}
		check("the upload's preview")
		if p.Counts != want {
			t.Fatalf("preview %+v, want %+v", p.Counts, want)
		}
		got := outcomes(p)
		for k, v := range map[string]string{
			"2 p0000@example.org":   "unchanged",
			"3 p0002@example.org":   "update name",
			"750 p1496@example.org": "unchanged",
			"751 p1498@example.org": "update name",
			"752 new@example.org":   "new",
			"753 left@example.org":  "rejected import.reason.unsubscribed",
			"754 bad address":       "rejected import.reason.address",
		} {
			if got[k] != v {
				t.Errorf("row %s: %q, want %q", k, got[k], v)
			}
		}
		for _, r := range p.Rows {
			if r.Outcome == followerimport.OutcomeUpdate || r.Outcome == followerimport.OutcomeUnchanged {
				var i int
				fmt.Sscanf(r.Address, "p%04d@", &i)
				if wantTags := strings.Split(tagsOf(i), ";"); r.Old == nil || r.Old.Name != fmt.Sprintf("Person %d", i) ||
					strings.Join(r.Old.Tags, ";") != strings.Join(wantTags, ";") {
					t.Fatalf("row %d compared with %+v", r.Line, r.Old)
				}
			}
		}

		reads.reset()
		again, err := store.PreviewImport(ctx, w.staff, w.f.Account, p.Import)
		if err != nil {
			t.Fatal(err)
		}
		check("the preview page")
		if fmt.Sprint(outcomes(again)) != fmt.Sprint(got) {
			t.Fatal("the preview page differs from the upload's preview")
		}

		reads.reset()
		before := dump(t, a, acct)
		counts, err := store.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
		if err != nil {
			t.Fatal(err)
		}
		check("the apply")
		if counts != want {
			t.Fatalf("applied %+v, want %+v", counts, want)
		}
		if d := diff(before, dump(t, a, acct)); len(d) != want.Update+want.New {
			t.Fatalf("the apply changed %d followers, want %d", len(d), want.Update+want.New)
		}
		if f, _ := followerByAddr(a, acct, "p0002@example.org"); f.Name != "Person 2 Renamed" || strings.Join(f.Tags, ";") != tagsOf(2) {
			t.Fatalf("renamed follower: %+v", f)
		}
	})
}
