package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

const csvHeader = "address,name,language,tags,consent\n"

var importURLRE = regexp.MustCompile(`/imports/(\d+)$`)

func importsURL(f *apptest.Fixtures) string {
	return fmt.Sprintf("/studio/orgs/%d/accounts/metro/imports", f.Org.ID)
}

func countRows(t *testing.T, a *apptest.App, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// upload posts a file and returns the preview URL it redirects to.
func upload(t *testing.T, c *apptest.Client, f *apptest.Fixtures, name, data string) string {
	t.Helper()
	res := c.Upload(importsURL(f), "file", name, []byte(data))
	if res.Status != http.StatusSeeOther || !importURLRE.MatchString(res.Location) {
		t.Fatalf("upload %s: %s", name, res)
	}
	return res.Location
}

func mustContain(t *testing.T, res *apptest.Response, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(res.Body, html.EscapeString(w)) && !strings.Contains(res.Body, w) {
			t.Fatalf("page lacks %q: %s", w, res)
		}
	}
}

// TestImportRefusedFiles uploads files that cannot be imported: each one
// gets the form back with a message that says what to do, and nothing is
// stored.
func TestImportRefusedFiles(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		tests := []struct {
			name, file, data string
			status           int
			want             string
		}{
			{"wrong header", "list.csv", "email,full name\nann@example.org,Ann\n", 422,
				`Missing: address, name, language, tags, consent. Not expected: "email", "full name".`},
			{"missing columns", "list.csv", "address,name,consent\nann@example.org,Ann,2024-01-01\n", 422, "Missing: language, tags."},
			{"extra column", "list.csv", "address,name,language,tags,consent,phone\n", 422, `The first line names columns that are not read: "phone".`},
			{"broken encoding", "list.csv", csvHeader + "ann@example.org,Ann,en,,2024-01-01\nbo@example.org,Bo\xff\xfe,en,,2024-01-01\n", 422,
				"Line 3 is not UTF-8 text"},
			{"an Excel workbook", "list.xlsx", "PK\x03\x04\x14\x00\x06\x00", 422, "This is a spreadsheet workbook (.xlsx or .xls), not a CSV file."},
			{"an image", "photo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 422, "This is not a CSV text file."},
			{"empty file", "list.csv", "", 422, "The file is empty."},
			{"header only", "list.csv", "\ufeff" + csvHeader, 422, "The file has the column names but no rows of followers."},
			{"semicolons", "list.csv", "address;name;language;tags;consent\n", 422, "The columns are separated by semicolons or tabs."},
			{"no file", "", "", 422, "Choose a CSV file to upload."},
		}
		for _, tt := range tests {
			res := c.Upload(importsURL(f), "file", tt.file, []byte(tt.data))
			if res.Status != tt.status {
				t.Fatalf("%s: %s; want %d", tt.name, res, tt.status)
			}
			mustContain(t, res, tt.want, `aria-invalid="true"`, "Columns")
		}
		if n := countRows(t, a, "imports", "1 = 1"); n != 0 {
			t.Fatalf("%d refused files were stored", n)
		}
		// The same message in Chinese.
		c.Get("/lang/zh?next=/")
		res := c.Upload(importsURL(f), "file", "list.csv", []byte("address,name\n"))
		mustContain(t, res, "缺少：language, tags, consent。")
	})
}

// TestImportFlow walks an editor through the pages: the form, the example
// file, the preview with its counts, filter and reasons, the apply, a
// re-import of the same file, and the refused second apply.
func TestImportFlow(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		gone, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "gone@example.org", "Gone", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.Unsubscribe(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}

		form := c.Get(importsURL(f) + "/new")
		if form.Status != http.StatusOK {
			t.Fatal(form)
		}
		mustContain(t, form, "Import followers into @metro", "Columns", "consent", `name="file"`, "/imports/example.csv", "No imports yet.")
		ex := c.Get(importsURL(f) + "/example.csv")
		if ex.Status != http.StatusOK || !strings.HasPrefix(ex.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(ex.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("example: %s %v", ex, ex.Header)
		}
		// The example is itself a good file.
		exURL := upload(t, c, f, "example.csv", ex.Body)
		mustContain(t, c.Get(exURL), "Import 3 followers", "王芳", "Okafor, Sam")
		if res := c.Post(exURL+"/cancel", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("cancel: %s", res)
		}

		var b strings.Builder
		b.WriteString(csvHeader)
		for i := range 150 {
			fmt.Fprintf(&b, "p%03d@example.org,Person %d,en,donor,2024-01-01\n", i, i)
		}
		b.WriteString("p000@example.org,Twice,en,,2024-01-01\n")         // 152
		b.WriteString("gone@example.org,Gone,en,,2024-01-01\n")          // 153
		b.WriteString("chen at example.org,Chen,en,,2024-01-01\n")       // 154
		b.WriteString("li@example.org,\"李, 四\nLi Si\",zh,,2024-01-01\n") // 155-156
		b.WriteString("zhu@example.org,Zhu,en,,next tuesday\n")          // 157
		file := b.String()
		preview := upload(t, c, f, "donors.csv", file)
		res := c.Get(preview)
		if res.Status != http.StatusOK {
			t.Fatal(res)
		}
		mustContain(t, res, "Preview: donors.csv", "Import 151 followers", "Cancel import", "All (155)", "New (151)", "Rejected (4)",
			"Page 1 of 2", "p000@example.org", "Follows from now on")
		if strings.Contains(res.Body, "p120@example.org") {
			t.Fatal("the first page shows more than 100 rows")
		}
		rej := c.Get(preview + "?show=rejected")
		mustContain(t, rej, "Same address as line 2, which is used instead.", "This person unsubscribed; an import never subscribes them again.",
			"Not a valid e-mail address.", `Consent “next tuesday” is not a date like 2024-03-01 or 2024-03-01 14:30.`)
		if strings.Contains(rej.Body, "p001@example.org") || strings.Contains(rej.Body, "李, 四 Li Si") {
			t.Fatal("the rejected filter shows rows that are not rejected")
		}
		if res := c.Get(preview + "?show=new&page=2"); !strings.Contains(res.Body, "李, 四 Li Si") || !strings.Contains(res.Body, "Page 2 of 2") {
			t.Fatalf("page 2 of the new rows: %s", res)
		}
		if n := countRows(t, a, "followers", "account_id = ?", f.Account.ID); n != 1 {
			t.Fatalf("the preview saved followers: %d", n)
		}

		res = c.Post(preview+"/apply", nil)
		if res.Status != http.StatusSeeOther || res.Location != preview {
			t.Fatalf("apply: %s", res)
		}
		done := c.Get(preview)
		mustContain(t, done, "The import is done.", "Import of donors.csv", "Imported", "See the followers")
		if strings.Contains(done.Body, "Cancel import") {
			t.Fatal("an applied import still offers to cancel")
		}
		if n := countRows(t, a, "followers", "account_id = ? AND status = ? AND source = ?", f.Account.ID, models.StatusActive, "import"); n != 151 {
			t.Fatalf("imported followers: %d", n)
		}
		if n := countRows(t, a, "followers", "address = ? AND status = ?", "gone@example.org", models.StatusUnsubscribed); n != 1 {
			t.Fatal("an unsubscribed follower was re-subscribed")
		}
		// A second apply is refused with a clear page and changes nothing.
		res = c.Post(preview+"/apply", nil)
		if res.Status != http.StatusConflict {
			t.Fatalf("second apply: %s", res)
		}
		mustContain(t, res, "This import was already applied or cancelled, so it cannot be applied again. Nothing was changed.")
		if res := c.Post(preview+"/cancel", nil); res.Status != http.StatusConflict {
			t.Fatalf("cancel after apply: %s", res)
		}

		// The same file again: nothing to do.
		again := upload(t, c, f, "donors.csv", file)
		res = c.Get(again)
		mustContain(t, res, "Unchanged (151)", "There is nothing to import")
		if strings.Contains(res.Body, "/apply") {
			t.Fatal("nothing to import, but an apply button")
		}
		list := c.Get(importsURL(f) + "/new")
		mustContain(t, list, "Earlier imports", "donors.csv", "example.csv", "Waiting for review", "Cancelled", "151 new, 0 updated, 0 unchanged, 4 rejected")
		audit := c.Get(fmt.Sprintf("/studio/orgs/%d/audit", f.Org.ID))
		mustContain(t, audit, "Imported followers into", "donors.csv: 151 new, 0 updated, 0 unchanged, 4 rejected")
	})
}

// TestImportOtherOrganization: another organization's staff find neither
// the account's imports nor an import through their own account.
func TestImportOtherOrganization(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p, err := a.Followers.CreateImport(ctx, f.Member(models.RoleOwner), f.Account, "donors.csv", []byte(csvHeader+"ann@example.org,Ann,en,,2024-01-01\n"))
		if err != nil {
			t.Fatal(err)
		}
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Accounts.CreateAccount(ctx, other, models.AccountInput{Handle: "helpers", Name: "Helpers", Category: "charity", Languages: []string{"en"}}); err != nil {
			t.Fatal(err)
		}
		c := a.Client(t)
		c.Login(f.Outside.Email, apptest.Password)
		id := p.Import.ID
		for _, path := range []string{
			fmt.Sprintf("/studio/orgs/%d/accounts/metro/imports/%d", f.Org.ID, id),
			fmt.Sprintf("/studio/orgs/%d/accounts/metro/imports/%d", f.Other.ID, id),
			fmt.Sprintf("/studio/orgs/%d/accounts/helpers/imports/%d", f.Other.ID, id),
			fmt.Sprintf("/studio/orgs/%d/accounts/metro/imports/new", f.Other.ID),
		} {
			if res := c.Get(path); res.Status != http.StatusNotFound {
				t.Fatalf("GET %s: %s", path, res)
			}
		}
		for _, path := range []string{
			fmt.Sprintf("/studio/orgs/%d/accounts/helpers/imports/%d/apply", f.Other.ID, id),
			fmt.Sprintf("/studio/orgs/%d/accounts/helpers/imports/%d/cancel", f.Other.ID, id),
			fmt.Sprintf("/studio/orgs/%d/accounts/metro/imports/%d/apply", f.Org.ID, id),
		} {
			if res := c.Post(path, url.Values{}); res.Status != http.StatusNotFound {
				t.Fatalf("POST %s: %s", path, res)
			}
		}
		if n := countRows(t, a, "imports", "status = ?", follower.ImportPending); n != 1 {
			t.Fatal("another organization changed the import")
		}
	})
}

// TestImport100k uploads 100,000 followers through the form, previews
// them and applies them.
func TestImport100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows: skipped with -short")
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.HTTP.Timeout = 2 * time.Minute
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		const n = 100_000
		var b strings.Builder
		b.WriteString(csvHeader)
		tags := []string{"donor", "donor;north", "volunteer|south;monthly"}
		for i := range n {
			fmt.Fprintf(&b, "donor.%06d@example.org,Donor %d,%s,%s,2024-01-%02d\n", i, i, []string{"en", "zh"}[i%2], tags[i%3], 1+i%28)
		}
		start := time.Now()
		preview := upload(t, c, f, "donors-100k.csv", b.String())
		uploaded := time.Since(start)
		res := c.Get(preview + "?show=new&page=1000")
		if res.Status != http.StatusOK {
			t.Fatal(res)
		}
		mustContain(t, res, "Import 100,000 followers", "New (100,000)", "Page 1000 of 1000", "donor.099999@example.org")
		previewed := time.Since(start) - uploaded
		res = c.Post(preview+"/apply", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("apply: %s", res)
		}
		applied := time.Since(start) - uploaded - previewed
		t.Logf("100,000 rows: upload %v, preview page %v, apply %v", uploaded.Round(time.Millisecond),
			previewed.Round(time.Millisecond), applied.Round(time.Millisecond))
		if got := countRows(t, a, "followers", "account_id = ? AND status = ?", f.Account.ID, models.StatusActive); got != n {
			t.Fatalf("followers: %d", got)
		}
		// Rows cycle through 1, 2 and 3 tags: 33,334 + 2 × 33,333 + 3 × 33,333.
		if got := countRows(t, a, "follower_tags", "1 = 1"); got != 199_999 {
			t.Fatalf("tags: %d", got)
		}
		if got := countRows(t, a, "follow_events", "account_id = ? AND kind = 'follow'", f.Account.ID); got != n {
			t.Fatalf("follow events: %d", got)
		}
	})
}

// TestImportCatalog checks that every string of this area has a Chinese
// translation of its own, with the same placeholders.
func TestImportCatalog(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d\])?[sd]`)
	n := 0
	for _, k := range i18n.Keys() {
		if !strings.HasPrefix(k, "import.") && !strings.HasPrefix(k, "flash.import") && k != "audit.followers_import" {
			continue
		}
		n++
		en, zh := i18n.T(i18n.EN, k), i18n.T(i18n.ZHHans, k)
		if en == "" || zh == "" || en == zh {
			t.Errorf("%s: en %q, zh %q", k, en, zh)
		}
		// Chinese may repeat an argument (%[1]d), so compare the distinct
		// kinds of placeholder.
		kinds := func(s string) string {
			var out []string
			for _, v := range verbs.FindAllString(s, -1) {
				if k := v[len(v)-1:]; !slices.Contains(out, k) {
					out = append(out, k)
				}
			}
			return strings.Join(out, "")
		}
		if kinds(en) != kinds(zh) {
			t.Errorf("%s: placeholders en %q, zh %q", k, en, zh)
		}
	}
	if n < 50 {
		t.Fatalf("only %d import strings found", n)
	}
}
