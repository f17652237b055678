package apptest

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/models"
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
// uses.
func Seed(t testing.TB, a *App) *Fixtures {
	t.Helper()
	ctx := context.Background()
	s := a.Store
	// The first user is made as the studio makes one; the others share its
	// password hash (argon2id, deliberately slow: hashing it seven times
	// was a quarter of a second of every test that seeds).
	var hash string
	mk := func(email string, admin bool) *models.User {
		if hash == "" {
			u, err := s.CreateUser(ctx, models.NewUser{Email: email, Name: email, Password: Password, IsAdmin: admin})
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
	if f.Org, err = s.CreateOrganization(ctx, f.Admin, models.OrgInput{Name: "Metro Transit", Kind: models.KindAgency}); err != nil {
		t.Fatal(err)
	}
	if f.Other, err = s.CreateOrganization(ctx, f.Admin, models.OrgInput{Name: "Other Org", Kind: models.KindNGO}); err != nil {
		t.Fatal(err)
	}
	join := func(u *models.User, org *models.Organization, role models.Role) {
		_, token, err := s.CreateInvite(ctx, f.Admin, org.ID, u.Email, role)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvite(ctx, token, u, nil); err != nil {
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
	f.Account, err = s.CreateAccount(ctx, owner, models.AccountInput{
		Handle: "metro", Name: "Metro", NameZh: "地铁", BioEn: "Trains and buses", Category: "transit", Languages: []string{"en", "zh"},
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
