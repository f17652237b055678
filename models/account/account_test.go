package account_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
)

func TestAccountValidation(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Accounts
		owner := f.Member(models.RoleOwner)

		valid := func(handle string) models.AccountInput {
			return models.AccountInput{Handle: handle, Name: "Bus Line 12", Category: "transit", Languages: []string{"en"}}
		}
		with := func(in models.AccountInput, change func(*models.AccountInput)) models.AccountInput {
			change(&in)
			return in
		}
		tests := []struct {
			name string
			in   models.AccountInput
			want map[string]string // field -> message key; nil means valid
			// for valid input: what is stored
			handle, langs string
		}{
			{name: "minimal", in: valid("line12"), handle: "line12", langs: "en"},
			{name: "handle with @, spaces and capitals", in: valid("  @Line_13 "), handle: "line_13", langs: "en"},
			{name: "three characters", in: valid("abc"), handle: "abc", langs: "en"},
			{name: "thirty characters", in: valid("a" + strings.Repeat("b", 29)), handle: "a" + strings.Repeat("b", 29), langs: "en"},
			{name: "each language once, in the given order, in the list's spelling", in: with(valid("both"), func(in *models.AccountInput) {
				in.Languages = []string{"zh", "fr", "en", "zh-CN", "EN", "zh-TW"}
			}), handle: "both", langs: "zh-Hans,fr,en,zh-Hant"},
			{name: "names and bios at their limits, counted in characters", in: with(valid("limits"), func(in *models.AccountInput) {
				in.Languages = []string{"en", "zh-Hans"}
				in.Name = strings.Repeat("名", 80)
				in.Texts = models.Texts("zh-Hans", "name", strings.Repeat("名", 80), "bio", strings.Repeat("简", 1000)).With("en", "bio", strings.Repeat("é", 1000))
			}), handle: "limits", langs: "en,zh-Hans"},

			{name: "empty handle", in: valid(""), want: map[string]string{"handle": "err.required"}},
			{name: "only an @", in: valid("@"), want: map[string]string{"handle": "err.required"}},
			{name: "two characters", in: valid("ab"), want: map[string]string{"handle": "err.handle_format"}},
			{name: "thirty-one characters", in: valid("a" + strings.Repeat("b", 30)), want: map[string]string{"handle": "err.handle_format"}},
			{name: "starts with a digit", in: valid("12line"), want: map[string]string{"handle": "err.handle_format"}},
			{name: "starts with _", in: valid("_line"), want: map[string]string{"handle": "err.handle_format"}},
			{name: "dash", in: valid("line-12"), want: map[string]string{"handle": "err.handle_format"}},
			{name: "inner space", in: valid("line 12"), want: map[string]string{"handle": "err.handle_format"}},
			{name: "non-ASCII", in: valid("公交"), want: map[string]string{"handle": "err.handle_format"}},
			{name: "reserved", in: valid("admin"), want: map[string]string{"handle": "err.handle_reserved"}},
			{name: "reserved in capitals", in: valid("@Studio"), want: map[string]string{"handle": "err.handle_reserved"}},
			{name: "taken", in: valid("metro"), want: map[string]string{"handle": "err.handle_taken"}},
			{name: "taken in capitals", in: valid("METRO"), want: map[string]string{"handle": "err.handle_taken"}},
			{name: "no name", in: with(valid("noname"), func(in *models.AccountInput) { in.Name = "   " }), want: map[string]string{"name.en": "err.required"}},
			{name: "no name in the default language", in: with(valid("nodefname"), func(in *models.AccountInput) {
				in.Languages, in.DefaultLang, in.Texts = []string{"en", "ar"}, "ar", models.Texts("en", "name", "Line 12")
				in.Name = ""
			}), want: map[string]string{"name.ar": "err.required"}},
			{name: "default not among the languages", in: with(valid("baddef"), func(in *models.AccountInput) { in.DefaultLang = "es" }), want: map[string]string{"default_lang": "err.default_not_chosen"}},
			{name: "long name", in: with(valid("longname"), func(in *models.AccountInput) { in.Name = strings.Repeat("n", 81) }), want: map[string]string{"name.en": "err.too_long"}},
			{name: "long Chinese name", in: with(valid("longzh"), func(in *models.AccountInput) {
				in.Languages, in.Texts = []string{"en", "zh-Hans"}, models.Texts("zh-Hans", "name", strings.Repeat("名", 81))
			}), want: map[string]string{"name.zh-Hans": "err.too_long"}},
			{name: "long English bio", in: with(valid("longbio"), func(in *models.AccountInput) { in.Texts = models.Texts("en", "bio", strings.Repeat("b", 1001)) }), want: map[string]string{"bio.en": "err.too_long"}},
			{name: "long Arabic bio", in: with(valid("longbioar"), func(in *models.AccountInput) {
				in.Languages, in.Texts = []string{"en", "ar"}, models.Texts("ar", "bio", strings.Repeat("ب", 1001))
			}), want: map[string]string{"bio.ar": "err.too_long"}},
			{name: "no category", in: with(valid("nocat"), func(in *models.AccountInput) { in.Category = "" }), want: map[string]string{"category": "err.choose_one"}},
			{name: "unknown category", in: with(valid("badcat"), func(in *models.AccountInput) { in.Category = "Transit" }), want: map[string]string{"category": "err.choose_one"}},
			{name: "no language", in: with(valid("nolang"), func(in *models.AccountInput) { in.Languages = nil }), want: map[string]string{"languages": "err.choose_language"}},
			{name: "unsupported language", in: with(valid("frlang"), func(in *models.AccountInput) { in.Languages = []string{"xx-nope", "EN"} }), want: map[string]string{"languages": "err.choose_language"}},
			{name: "everything wrong at once", in: models.AccountInput{Handle: "x", Texts: models.Texts("zh-Hans", "name", strings.Repeat("名", 81)), Category: "nope"}, want: map[string]string{
				"handle": "err.handle_format", "category": "err.choose_one", "languages": "err.choose_language",
			}},
		}
		for _, tt := range tests {
			before := countRows(t, a, &models.Account{}, "1 = 1")
			acc, err := s.CreateAccount(ctx, owner, tt.in)
			if tt.want == nil {
				if err != nil {
					t.Errorf("%s: %v", tt.name, err)
					continue
				}
				if acc.Handle != tt.handle || acc.Languages != tt.langs || acc.OrganizationID != f.Org.ID {
					t.Errorf("%s: stored handle %q, languages %q, org %d; want %q, %q, %d", tt.name, acc.Handle, acc.Languages, acc.OrganizationID, tt.handle, tt.langs, f.Org.ID)
				}
				stored, err := s.OrgAccount(ctx, owner, strings.ToUpper(tt.handle))
				if err != nil || stored.ID != acc.ID {
					t.Errorf("%s: OrgAccount: %+v, %v", tt.name, stored, err)
				}
				continue
			}
			v, ok := models.AsValidation(err)
			if !ok {
				t.Errorf("%s: err %v; want a validation error %v", tt.name, err, tt.want)
				continue
			}
			if !reflect.DeepEqual(v.Fields, tt.want) {
				t.Errorf("%s: fields %v; want %v", tt.name, v.Fields, tt.want)
			}
			if after := countRows(t, a, &models.Account{}, "1 = 1"); after != before {
				t.Errorf("%s: a refused account was stored", tt.name)
			}
		}

		// The same handle is taken across organizations too: it is global.
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		_, err := s.CreateAccount(ctx, other, valid("line12"))
		if v, ok := models.AsValidation(err); !ok || v.Fields["handle"] != "err.handle_taken" {
			t.Errorf("a handle of another organization: %v; want err.handle_taken", err)
		}
	})
}

func TestAccountPermissions(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Accounts
		in := func(h string) models.AccountInput {
			return models.AccountInput{Handle: h, Name: "Name " + h, Category: "community", Languages: []string{"zh"}}
		}
		for _, r := range models.AllRoles() {
			m := f.Member(r)
			_, err := s.CreateAccount(ctx, m, in("by_"+string(r)))
			if r.Can(models.PermWrite) {
				if err != nil {
					t.Errorf("%s creates an account: %v", r, err)
				}
			} else if !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s creates an account: %v; want ErrForbidden", r, err)
			}
			acc := *f.Account
			err = s.UpdateAccount(ctx, m, &acc, in("ignored"))
			if r.Can(models.PermWrite) {
				if err != nil {
					t.Errorf("%s edits an account: %v", r, err)
				}
			} else if !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s edits an account: %v; want ErrForbidden", r, err)
			}
		}
		// The handle never changes on update.
		got, err := s.AccountByHandle(ctx, "metro")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Name ignored" || got.Languages != "zh-Hans" || got.Category != "community" {
			t.Errorf("after an update: %+v", got.Account)
		}

		// Another organization's owner can neither see nor change the account.
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := s.OrgAccount(ctx, other, "metro"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another organization's OrgAccount: %v; want ErrNotFound", err)
		}
		acc := *f.Account
		if err := s.UpdateAccount(ctx, other, &acc, in("x")); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another organization's owner edits: %v; want ErrNotFound", err)
		}
		list, err := s.OrgAccounts(ctx, other)
		if err != nil || len(list) != 0 {
			t.Errorf("another organization lists %d accounts (%v)", len(list), err)
		}

		// An update is validated like a creation, and a refused one changes nothing.
		acc = *f.Account
		err = s.UpdateAccount(ctx, f.Member(models.RoleEditor), &acc, models.AccountInput{Name: "", Category: "transit", Languages: []string{"en"}})
		if v, ok := models.AsValidation(err); !ok || !reflect.DeepEqual(v.Fields, map[string]string{"name.en": "err.required"}) {
			t.Errorf("an update without a name: %v", err)
		}
		if again, _ := s.AccountByHandle(ctx, "metro"); again.Name != "Name ignored" {
			t.Errorf("a refused update changed the name to %q", again.Name)
		}
	})
}

func TestDirectory(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a) // @metro "Metro" in Metro Transit, not verified
		s := a.Accounts
		mk := func(m *models.Member, handle, name, category string) {
			t.Helper()
			if _, err := s.CreateAccount(ctx, m, models.AccountInput{
				Handle: handle, Name: name, Category: category, Languages: []string{"en"},
				Texts: models.Texts("en", "bio", "About "+name),
			}); err != nil {
				t.Fatal(err)
			}
		}
		owner := f.Member(models.RoleOwner)
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		mk(owner, "alpha", "Alpha Buses", "transit")
		mk(other, "zebra", "Zebra Crossings", "safety")
		mk(other, "bravo", "Bravo 100% Fresh", "business")
		if err := a.Orgs.SetVerified(ctx, f.Admin, f.Other.ID, true); err != nil {
			t.Fatal(err)
		}

		handles := func(list []models.PublicAccount) string {
			var out []string
			for _, a := range list {
				out = append(out, a.Handle)
			}
			return strings.Join(out, ",")
		}
		tests := []struct {
			name   string
			filter account.DirectoryFilter
			page   models.Page
			want   string
			total  int64
		}{
			{"verified organizations first, then by name", account.DirectoryFilter{}, models.Page{Number: 1, Size: 10}, "bravo,zebra,alpha,metro", 4},
			{"first page of two", account.DirectoryFilter{}, models.Page{Number: 1, Size: 3}, "bravo,zebra,alpha", 4},
			{"second page", account.DirectoryFilter{}, models.Page{Number: 2, Size: 3}, "metro", 4},
			{"beyond the last page", account.DirectoryFilter{}, models.Page{Number: 3, Size: 3}, "", 4},
			{"by category", account.DirectoryFilter{Category: "transit"}, models.Page{Number: 1}, "alpha,metro", 2},
			{"an unknown category is ignored", account.DirectoryFilter{Category: "nope"}, models.Page{Number: 1}, "bravo,zebra,alpha,metro", 4},
			{"by name, any case", account.DirectoryFilter{Query: "ZEBRA"}, models.Page{Number: 1}, "zebra", 1},
			{"by handle with @", account.DirectoryFilter{Query: " @alp "}, models.Page{Number: 1}, "alpha", 1},
			{"by bio", account.DirectoryFilter{Query: "about bravo"}, models.Page{Number: 1}, "bravo", 1},
			{"by organization name", account.DirectoryFilter{Query: "other org"}, models.Page{Number: 1}, "bravo,zebra", 2},
			{"Chinese name", account.DirectoryFilter{Query: "地铁"}, models.Page{Number: 1}, "metro", 1},
			{"query and category", account.DirectoryFilter{Query: "a", Category: "safety"}, models.Page{Number: 1}, "zebra", 1},
			{"% is literal", account.DirectoryFilter{Query: "100%"}, models.Page{Number: 1}, "bravo", 1},
			{"% alone matches only a %", account.DirectoryFilter{Query: "%"}, models.Page{Number: 1}, "bravo", 1},
			{"_ is literal", account.DirectoryFilter{Query: "_"}, models.Page{Number: 1}, "", 0},
			{"no match", account.DirectoryFilter{Query: "nothing like this"}, models.Page{Number: 1}, "", 0},
		}
		for _, tt := range tests {
			list, total, err := s.Directory(ctx, tt.filter, tt.page)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if got := handles(list); got != tt.want || total != tt.total {
				t.Errorf("%s: %q (total %d); want %q (total %d)", tt.name, got, total, tt.want, tt.total)
			}
		}

		list, _, err := s.Directory(ctx, account.DirectoryFilter{}, models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			wantVerified := a.OrganizationID == f.Other.ID
			if a.Verified() != wantVerified {
				t.Errorf("@%s: Verified() = %v, want %v", a.Handle, a.Verified(), wantVerified)
			}
			wantOrg := map[bool]string{true: f.Other.Name, false: f.Org.Name}[wantVerified]
			if a.OrgName != wantOrg || !a.OrgKind.Valid() {
				t.Errorf("@%s: organization %q (%s), want %q", a.Handle, a.OrgName, a.OrgKind, wantOrg)
			}
		}

		// Removing the verification moves the accounts back among the rest.
		if err := a.Orgs.SetVerified(ctx, f.Admin, f.Other.ID, false); err != nil {
			t.Fatal(err)
		}
		list, _, err = s.Directory(ctx, account.DirectoryFilter{}, models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := handles(list); got != "alpha,bravo,metro,zebra" {
			t.Errorf("with no verified organization: %q; want by name", got)
		}

		// The public view of one account.
		pa, err := s.AccountByHandle(ctx, "@ZEBRA")
		if err == nil {
			t.Errorf("AccountByHandle accepted a handle with @: %+v", pa)
		}
		pa, err = s.AccountByHandle(ctx, "ZEBRA")
		if err != nil || pa.Handle != "zebra" || pa.OrgName != f.Other.Name || pa.OrgKind != models.KindNGO {
			t.Errorf("AccountByHandle(ZEBRA): %+v, %v", pa, err)
		}
		if _, err := s.AccountByHandle(ctx, "nobody"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("AccountByHandle(unknown): %v; want ErrNotFound", err)
		}
	})
}

// countRows counts rows of model's table, read behind the service's back
// to see what it wrote.
func countRows(t *testing.T, a *apptest.App, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.WithContext(t.Context()).Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
