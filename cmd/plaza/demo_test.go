package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/demo"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/org"
)

// Tests for the demo command's JSON and text output.

// demoResult mirrors the JSON that `plaza demo --json` prints.
type demoResult struct {
	BaseURL string `json:"base_url"`
	Users   []struct {
		Email        string `json:"email"`
		Password     string `json:"password"`
		Role         string `json:"role"`
		Organization string `json:"organization"`
		Admin        bool   `json:"admin"`
	} `json:"users"`
	Organizations []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Kind      string `json:"kind"`
		Verified  bool   `json:"verified"`
		StudioURL string `json:"studio_url"`
	} `json:"organizations"`
	Accounts []struct {
		Handle       string `json:"handle"`
		Name         string `json:"name"`
		Organization string `json:"organization"`
		URL          string `json:"url"`
		FollowURL    string `json:"follow_url"`
		Followers    int    `json:"followers"`
	} `json:"accounts"`
	FollowCodes []struct {
		Account   string `json:"account"`
		Name      string `json:"name"`
		Scene     string `json:"scene"`
		URL       string `json:"url"`
		StudioURL string `json:"studio_url"`
	} `json:"follow_codes"`
	URLs     map[string]string `json:"urls"`
	Projects []struct {
		ID      int64  `json:"id"`
		Account string `json:"account"`
		Title   string `json:"title"`
		Status  string `json:"status"`
		URL     string `json:"url"`
	} `json:"projects"`
	Webhook struct {
		Account string `json:"account"`
		URL     string `json:"url"`
		Secret  string `json:"secret"`
	} `json:"webhook"`
	Chat struct {
		Account string `json:"account"`
		Webhook struct {
			URL    string `json:"url"`
			Secret string `json:"secret"`
		} `json:"webhook"`
		WeChat struct {
			URL            string `json:"url"`
			AppID          string `json:"app_id"`
			Token          string `json:"token"`
			EncodingAESKey string `json:"encoding_aes_key"`
		} `json:"wechat"`
		Telegram struct {
			URL         string `json:"url"`
			SecretToken string `json:"secret_token"`
		} `json:"telegram"`
	} `json:"chat"`
	SMS struct {
		Account     string   `json:"account"`
		Number      string   `json:"number"`
		ProviderURL string   `json:"provider_url"`
		AccountSID  string   `json:"account_sid"`
		AuthToken   string   `json:"auth_token"`
		InboundURL  string   `json:"inbound_url"`
		Sink        string   `json:"sink"`
		Followers   []string `json:"followers"`
	} `json:"sms"`
	WebPush struct {
		Account   string   `json:"account"`
		PushURL   string   `json:"push_url"`
		Endpoints []string `json:"endpoints"`
		Sink      string   `json:"sink"`
	} `json:"webpush"`
	OutboundAllow string `json:"outbound_allow"`
	Generated     int64  `json:"generated_followers"`
}

// demoJSON runs `plaza demo --json` and decodes its one JSON object.
func demoJSON(t *testing.T, dbURL, baseURL string, flags ...string) demoResult {
	t.Helper()
	res := plaza(t, "", append([]string{"demo", "--json", "--database-url", dbURL, "--base-url", baseURL}, flags...)...)
	if res.code != 0 {
		t.Fatalf("demo --json: %s", res)
	}
	dec := json.NewDecoder(strings.NewReader(res.stdout))
	dec.DisallowUnknownFields()
	var d demoResult
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("demo --json printed no JSON object of the expected shape: %v\n%s", err, res.stdout)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("demo --json printed more than one JSON value:\n%s", res.stdout)
	}
	if !strings.HasPrefix(strings.TrimSpace(res.stdout), "{") {
		t.Fatalf("demo --json should print an object:\n%s", res.stdout)
	}
	return d
}

func TestDemoJSON(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		const base = "http://demo.example.org"
		d := demoJSON(t, dbURL, base)
		db, store := openStore(t, dbURL)

		if d.BaseURL != base {
			t.Errorf("base_url = %q, want %q", d.BaseURL, base)
		}
		// An open consultation to answer and a decided project, each with
		// its public page.
		statuses := map[string]bool{}
		for _, p := range d.Projects {
			statuses[p.Status] = true
			if p.Account != "citytransit" || p.URL != fmt.Sprintf("%s/@citytransit/projects/%d", base, p.ID) {
				t.Errorf("project %+v", p)
			}
		}
		if len(d.Projects) != 2 || !statuses["consultation"] || !statuses["decided"] {
			t.Errorf("projects: %+v", d.Projects)
		}
		for k, want := range map[string]string{
			"home": base + "/", "directory": base + "/accounts", "login": base + "/login",
			"studio": base + "/studio", "admin": base + "/admin", "alerts": base + "/alerts", "projects": base + "/projects",
		} {
			if d.URLs[k] != want {
				t.Errorf("urls[%q] = %q, want %q", k, d.URLs[k], want)
			}
		}

		// Four organizations: two agencies, an NGO and a business, with
		// both verified and unverified ones so the badge can be seen.
		kinds := map[string]int{}
		orgByName := map[string]int64{}
		verified := map[bool]int{}
		for _, o := range d.Organizations {
			kinds[o.Kind]++
			orgByName[o.Name] = o.ID
			verified[o.Verified]++
			if want := base + "/studio/orgs/" + strconv.FormatInt(o.ID, 10); o.StudioURL != want {
				t.Errorf("organization %s: studio_url %q, want %q", o.Name, o.StudioURL, want)
			}
			got, err := org.New(store.Core).OrganizationByID(ctx, o.ID)
			if err != nil {
				t.Fatalf("organization %s (%d): %v", o.Name, o.ID, err)
			}
			if got.Name != o.Name || string(got.Kind) != o.Kind || got.Verified() != o.Verified {
				t.Errorf("organization %d in the database is %+v; the demo printed %+v", o.ID, got, o)
			}
		}
		if len(d.Organizations) != 4 || kinds["agency"] != 2 || kinds["ngo"] != 1 || kinds["business"] != 1 {
			t.Errorf("organizations by kind = %v (%d in all); want agency 2, ngo 1, business 1", kinds, len(d.Organizations))
		}
		if verified[true] == 0 || verified[false] == 0 {
			t.Errorf("verified organizations = %v; want both verified and unverified ones", verified)
		}

		// The safety office's warnings (heat and flood) say what to do:
		// response types and instructions in each of their languages.
		var warnings []models.Notice
		if err := store.DB().Where("kind = ?", models.NoticeSafety).Find(&warnings).Error; err != nil {
			t.Fatal(err)
		}
		if len(warnings) < 2 {
			t.Errorf("%d safety notices in the demo, want the heat and flood warnings", len(warnings))
		}
		for _, w := range warnings {
			if len(w.ResponseTypeList()) == 0 || len(w.Translations.Missing(w.Languages(), "instruction")) > 0 {
				t.Errorf("demo warning %q: response types %q, instructions %v", w.Title("en"), w.ResponseTypes, w.Translations)
			}
		}

		// Accounts: each has a public page at base/@handle that exists.
		if len(d.Accounts) == 0 {
			t.Fatal("the demo printed no accounts")
		}
		for _, a := range d.Accounts {
			if a.Handle == "" || a.URL != base+"/@"+a.Handle {
				t.Errorf("account %+v: want a handle and url %s/@handle", a, base)
			}
			pa, err := account.New(store.Core, nil).AccountByHandle(ctx, a.Handle)
			if err != nil {
				t.Errorf("account @%s: %v", a.Handle, err)
				continue
			}
			if pa.OrgName != a.Organization {
				t.Errorf("account @%s belongs to %q, the demo says %q", a.Handle, pa.OrgName, a.Organization)
			}
			if a.FollowURL != a.URL+"/follow" {
				t.Errorf("account @%s has follow_url %q", a.Handle, a.FollowURL)
			}
			var active int64
			store.DB().Model(&models.Follower{}).Where("account_id = ? AND status = ?", pa.ID, models.StatusActive).Count(&active)
			if a.Followers == 0 || active != int64(a.Followers) {
				t.Errorf("account @%s: the demo says %d followers, the database has %d active", a.Handle, a.Followers, active)
			}
		}

		// The transit authority has a GTFS feed that knows the ids its
		// demo detour names.
		if transit, err := account.New(store.Core, nil).AccountByHandle(ctx, demo.TransitHandle); err != nil {
			t.Errorf("transit account: %v", err)
		} else if ur, us, err := gtfs.New(store.Core).Unknown(ctx, transit.ID, []string{"12", "none"}, []string{"1042"}); err != nil ||
			!slices.Equal(ur, []string{"none"}) || len(us) != 0 {
			t.Errorf("demo GTFS feed: unknown %v %v, %v", ur, us, err)
		}

		// Follow codes: one per account, its short link names a real code.
		if len(d.FollowCodes) != len(d.Accounts) {
			t.Errorf("%d follow codes for %d accounts", len(d.FollowCodes), len(d.Accounts))
		}
		for _, fc := range d.FollowCodes {
			code, ok := strings.CutPrefix(fc.URL, base+"/q/")
			if !ok || fc.Scene == "" || fc.Name == "" || !strings.HasPrefix(fc.StudioURL, base+"/studio/orgs/") {
				t.Errorf("follow code %+v: want a name, a scene, %s/q/CODE and a studio URL", fc, base)
				continue
			}
			c, err := followcode.New(store.Core).FollowCodeByCode(ctx, code)
			if err != nil || c.Scene != fc.Scene {
				t.Errorf("follow code %s: %v (scene %q)", fc.URL, err, fc.Scene)
				continue
			}
			// Its numbers are a poster's: scanned more often than
			// followed through (the review found 1000%).
			acc, err := account.New(store.Core, nil).AccountByID(ctx, c.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			viewer := &models.Member{User: &models.User{}, Org: &models.Organization{ID: acc.OrgID()}, Role: models.RoleViewer}
			if st, err := followcode.New(store.Core).FollowCodeByID(ctx, viewer, acc, c.ID); err != nil || st.Follows == 0 || st.Scans <= st.Follows {
				t.Errorf("follow code %s: %+v %v; want follows, and more scans", fc.URL, st, err)
			}
		}

		// Every login works, and every staff role is what the database says.
		roles := map[string]int{}
		admins := 0
		for _, u := range d.Users {
			if u.Email == "" || u.Password == "" || u.Role == "" {
				t.Errorf("incomplete demo user %+v", u)
				continue
			}
			got, err := org.New(store.Core).Authenticate(ctx, u.Email, u.Password)
			if err != nil {
				t.Errorf("demo login %s / %s does not work: %v", u.Email, u.Password, err)
				continue
			}
			if got.IsAdmin != u.Admin {
				t.Errorf("%s: is_admin %v in the database, the demo says %v", u.Email, got.IsAdmin, u.Admin)
			}
			if u.Admin {
				admins++
				continue
			}
			roles[u.Role]++
			orgID, ok := orgByName[u.Organization]
			if !ok {
				t.Errorf("%s: organization %q is not among the printed ones", u.Email, u.Organization)
				continue
			}
			m, err := org.New(store.Core).MemberOf(ctx, got, orgID)
			if err != nil {
				t.Errorf("%s is not a member of %s: %v", u.Email, u.Organization, err)
				continue
			}
			if string(m.Role) != u.Role {
				t.Errorf("%s is %s of %s, the demo says %s", u.Email, m.Role, u.Organization, u.Role)
			}
		}
		if admins != 1 {
			t.Errorf("%d platform admins printed, want 1", admins)
		}
		for _, r := range models.AllRoles() {
			if roles[string(r)] == 0 {
				t.Errorf("no demo staff with role %s (roles: %v)", r, roles)
			}
		}
		// Every organization has an owner who can manage it.
		for name, id := range orgByName {
			owners := 0
			for _, u := range d.Users {
				if u.Organization == name && u.Role == string(models.RoleOwner) {
					owners++
				}
			}
			if owners == 0 {
				t.Errorf("organization %s (%d) has no owner login", name, id)
			}
		}

		// Running it again adds nothing, and replaces every password.
		counts := func() [4]int64 {
			return [4]int64{count(t, db, &models.User{}), count(t, db, &models.Organization{}),
				count(t, db, &models.Account{}), count(t, db, &models.Membership{})}
		}
		before := counts()
		if before[0] != int64(len(d.Users)) || before[1] != int64(len(d.Organizations)) || before[2] != int64(len(d.Accounts)) {
			t.Errorf("database has users/orgs/accounts/memberships %v; the demo printed %d/%d/%d",
				before, len(d.Users), len(d.Organizations), len(d.Accounts))
		}
		d2 := demoJSON(t, dbURL, base)
		if after := counts(); after != before {
			t.Fatalf("users/orgs/accounts/memberships went from %v to %v on the second run", before, after)
		}
		if len(d2.Users) != len(d.Users) || len(d2.Organizations) != len(d.Organizations) || len(d2.Accounts) != len(d.Accounts) {
			t.Fatalf("second run printed %d/%d/%d users/orgs/accounts, first run %d/%d/%d",
				len(d2.Users), len(d2.Organizations), len(d2.Accounts), len(d.Users), len(d.Organizations), len(d.Accounts))
		}
		old := map[string]string{}
		for _, u := range d.Users {
			old[u.Email] = u.Password
		}
		for i, u := range d2.Users {
			if u.Email != d.Users[i].Email || u.Role != d.Users[i].Role || u.Organization != d.Users[i].Organization {
				t.Errorf("user %d changed between runs: %+v, then %+v", i, d.Users[i], u)
			}
			if u.Password == old[u.Email] {
				t.Errorf("%s kept the same password on the second run", u.Email)
			}
			if _, err := org.New(store.Core).Authenticate(ctx, u.Email, u.Password); err != nil {
				t.Errorf("%s: the new password does not work: %v", u.Email, err)
			}
			if _, err := org.New(store.Core).Authenticate(ctx, u.Email, old[u.Email]); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s: the old password still works (err %v)", u.Email, err)
			}
		}
	})
}

func TestDemoText(t *testing.T) {
	dbURL := apptest.SQLiteURL(t)
	res := plaza(t, "", "demo", "--database-url", dbURL)
	if res.code != 0 {
		t.Fatalf("demo: %s", res)
	}
	_, store := openStore(t, dbURL)
	for _, want := range []string{
		"http://localhost:8080/login", "http://localhost:8080/accounts", "http://localhost:8080/studio",
		"http://localhost:8080/admin", "EMAIL", "PASSWORD", "ROLE", "ORGANIZATION",
		"go run ./cmd/plaza smssink --addr 127.0.0.1:1026 --inbound http://localhost:8080/bridge/sms/citytransit --token ",
		"text +85221234567", "6 SMS followers", "go run ./cmd/plaza pushsink --addr 127.0.0.1:1027", "3 browser followers",
		"PLAZA_OUTBOUND_ALLOW=127.0.0.1",
		// The consultations, and a warning for whoever pasted the chat
		// secrets somewhere (the UX review's items 5 and 7).
		"Projects and consultations", "A bus lane on Harbour Road", "http://localhost:8080/@citytransit/projects/",
		"http://localhost:8080/projects", "http://localhost:8080/alerts", "Running the demo again makes new secrets",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, res.stdout)
		}
	}
	// The login table: every row's password works.
	logins := 0
	sc := bufio.NewScanner(strings.NewReader(res.stdout))
	accountLine := regexp.MustCompile(`^\s+@([a-z0-9_]+)\s+(\S+)\s+\((\S+), \d+ followers\)$`)
	accounts := 0
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) >= 3 && strings.HasSuffix(f[0], ".demo.plaza.test") && strings.Contains(f[0], "@") {
			logins++
			if _, err := org.New(store.Core).Authenticate(t.Context(), f[0], f[1]); err != nil {
				t.Errorf("printed login %s / %s does not work: %v", f[0], f[1], err)
			}
		}
		if m := accountLine.FindStringSubmatch(line); m != nil {
			accounts++
			if m[2] != "http://localhost:8080/@"+m[1] || m[3] != m[2]+"/follow" {
				t.Errorf("account @%s is listed with URLs %s and %s", m[1], m[2], m[3])
			}
		}
	}
	if logins < 1+len(models.AllRoles()) {
		t.Errorf("only %d logins printed:\n%s", logins, res.stdout)
	}
	if accounts != 4 {
		t.Errorf("%d account URLs printed, want 4:\n%s", accounts, res.stdout)
	}
}
