package follower_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// Helpers shared by the import tests: database dumps, counts and the import world.

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
	fl, err := w.a.Followers.SeedFollower(w.ctx, w.f.Account.ID, models.ChannelEmail, addr, name, lang, tags, 0, "")
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

func (w *importWorld) create(t *testing.T, csv string) *follower.ImportPreview {
	t.Helper()
	p, err := w.a.Followers.CreateImport(w.ctx, w.staff, w.f.Account, "donors.csv", []byte(csv))
	if err != nil {
		t.Fatalf("create import: %v", err)
	}
	return p
}

func outcomes(p *follower.ImportPreview) map[string]string {
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

func followerByAddr(a *apptest.App, accountID int64, addr string) (*models.Follower, error) {
	var f models.Follower
	if err := a.DB.Gorm.Where("account_id = ? AND address = ?", accountID, addr).First(&f).Error; err != nil {
		return nil, err
	}
	return a.Followers.FollowerByID(context.Background(), f.ID)
}

// clock is a settable time source for a store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
