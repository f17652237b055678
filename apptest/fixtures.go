package apptest

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// Password is the password of every fixture user.
const Password = "correct horse battery"

// Fixtures is a small world: a platform admin, an organization with one
// staff member of each role and an account, and a second organization
// whose owner must see none of the first one's data.
type Fixtures struct {
	Admin   *models.User
	Org     *models.Organization
	Other   *models.Organization
	ByRole  map[models.Role]*models.User
	Outside *models.User // owner of Other
	Account *models.Account
}

// Seed creates the fixtures through the same model functions the studio
// uses; on a database that already holds them (EachSeeded) it reads them.
func Seed(t testing.TB, a *App) *Fixtures {
	t.Helper()
	ctx := context.Background()
	if f := loadFixtures(t, a); f != nil {
		return f
	}
	orgs := a.Orgs
	// The first user is made as the studio makes one; the others share its
	// password hash (argon2id, deliberately slow: hashing it seven times
	// was a quarter of a second of every test that seeds).
	var hash string
	mk := func(email string, admin bool) *models.User {
		if hash == "" {
			u, err := orgs.CreateUser(ctx, org.NewUser{Email: email, Name: email, Password: Password, IsAdmin: admin})
			if err != nil {
				t.Fatalf("create user %s: %v", email, err)
			}
			hash = u.PasswordHash
			return u
		}
		u := &models.User{Email: email, Name: email, PasswordHash: hash, IsAdmin: admin}
		if err := a.DB.Gorm.WithContext(ctx).Create(u).Error; err != nil {
			t.Fatalf("create user %s: %v", email, err)
		}
		return u
	}
	f := &Fixtures{Admin: mk("admin@plaza.test", true), ByRole: map[models.Role]*models.User{}}
	var err error
	if f.Org, err = orgs.CreateOrganization(ctx, f.Admin, org.Input{Name: "Metro Transit", Kind: models.KindAgency}); err != nil {
		t.Fatal(err)
	}
	if f.Other, err = orgs.CreateOrganization(ctx, f.Admin, org.Input{Name: "Other Org", Kind: models.KindNGO}); err != nil {
		t.Fatal(err)
	}
	join := func(u *models.User, org *models.Organization, role models.Role) {
		_, token, err := orgs.CreateInvite(ctx, f.Admin, org.ID, u.Email, role)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := orgs.AcceptInvite(ctx, token, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range models.AllRoles() {
		u := mk(string(r)+"@metro.test", false)
		join(u, f.Org, r)
		f.ByRole[r] = u
	}
	f.Outside = mk("owner@other.test", false)
	join(f.Outside, f.Other, models.RoleOwner)
	owner := &models.Member{User: f.ByRole[models.RoleOwner], Org: f.Org, Role: models.RoleOwner}
	f.Account, err = a.Accounts.CreateAccount(ctx, owner, models.AccountInput{
		Handle: "metro", Name: "Metro", Texts: models.Texts("en", "bio", "Trains and buses").With("zh-Hans", "name", "地铁"), Category: "transit", Languages: []string{"en", "zh"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Member returns the fixture user of role as a member of the fixture
// organization.
func (f *Fixtures) Member(r models.Role) *models.Member {
	return &models.Member{User: f.ByRole[r], Org: f.Org, Role: r}
}

// loadFixtures reads the fixtures Seed made from the database, or returns
// nil on a database without them.
func loadFixtures(t testing.TB, a *App) *Fixtures {
	t.Helper()
	db := a.DB.Gorm
	user := func(email string) *models.User {
		var u models.User
		if err := db.Where("email = ?", email).First(&u).Error; err != nil {
			t.Fatalf("fixture user %s: %v", email, err)
		}
		return &u
	}
	var admins int64
	if err := db.Model(&models.User{}).Where("email = ?", "admin@plaza.test").Count(&admins).Error; err != nil {
		t.Fatalf("look for the fixtures: %v", err)
	}
	if admins == 0 {
		return nil
	}
	f := &Fixtures{Admin: user("admin@plaza.test"), Org: &models.Organization{}, Other: &models.Organization{},
		ByRole: map[models.Role]*models.User{}, Outside: user("owner@other.test"), Account: &models.Account{}}
	for _, r := range models.AllRoles() {
		f.ByRole[r] = user(string(r) + "@metro.test")
	}
	if err := db.Where("name = ?", "Metro Transit").First(f.Org).Error; err != nil {
		t.Fatalf("fixture organization: %v", err)
	}
	if err := db.Where("name = ?", "Other Org").First(f.Other).Error; err != nil {
		t.Fatalf("fixture organization: %v", err)
	}
	if err := db.Where("handle = ?", "metro").First(f.Account).Error; err != nil {
		t.Fatalf("fixture account: %v", err)
	}
	return f
}
