package handlers_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// TestAPIRefusesNUL: a NUL character (\u0000) in any text of a JSON body
// is a 422 naming the field, as a NUL in a form is refused, and nothing is
// stored: PostgreSQL cannot hold it in text (it answered 500), and SQLite
// stored it and passed it on to e-mails.
func TestAPIRefusesNUL(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		_, plain, err := a.APITokens.Create(ctx, f.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, plain)
		draft := api.do("POST", "/accounts/metro/notices", `{"kind":"transit","title_en":"Detour","body_en":"x"}`)
		if draft.Status != 201 {
			t.Fatalf("create a draft: %d %s", draft.Status, draft.Body)
		}
		notice := "/notices/" + jsonNumber(t, draft, "id")
		fol := api.do("POST", "/accounts/metro/followers", `{"channel":"email","address":"nul@example.org"}`)
		if fol.Status != 201 {
			t.Fatalf("add a follower: %d %s", fol.Status, fol.Body)
		}
		follower := "/followers/" + jsonNumber(t, fol, "id")

		for _, tt := range []struct {
			name, method, path, body, field string
		}{
			{"title", "POST", "/accounts/metro/notices", `{"kind":"transit","title_en":"a\u0000b","body_en":"x"}`, "title_en"},
			{"body", "POST", "/accounts/metro/notices", `{"kind":"transit","title_en":"a","body_en":"x\u0000"}`, "body_en"},
			{"routes item", "POST", "/accounts/metro/notices", `{"kind":"transit","title_en":"a","body_en":"x","routes":["12","\u00003"]}`, "routes"},
			{"patched title", "PATCH", notice, `{"title_zh":"\u0000"}`, "title_zh"},
			{"follower name", "POST", "/accounts/metro/followers", `{"channel":"email","address":"n@example.org","name":"Ann\u0000"}`, "name"},
			{"follower tag", "POST", follower + "/tags", `{"add":["ok","b\u0000d"]}`, "add"},
			{"cancel reason", "POST", notice + "/cancel", `{"how":"cancel\u0000"}`, "how"},
		} {
			r := api.do(tt.method, tt.path, tt.body)
			if r.Status != 422 || r.code(t) != "invalid" {
				t.Fatalf("%s: %d %s; want 422 invalid", tt.name, r.Status, r.Body)
			}
			if fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any); fields[tt.field] == nil {
				t.Fatalf("%s: the error does not name %s: %s", tt.name, tt.field, r.Body)
			}
		}
		var notices, followers int64
		a.DB.Gorm.Table("notices").Count(&notices)
		a.DB.Gorm.Table("followers").Where("address = 'n@example.org'").Count(&followers)
		if notices != 1 || followers != 0 {
			t.Fatalf("%d notices and %d followers stored from refused bodies", notices-1, followers)
		}
		// An escaped backslash before u0000 is plain text, not a NUL.
		if r := api.do("POST", "/accounts/metro/notices", `{"kind":"transit","title_en":"C:\\u0000","body_en":"x"}`); r.Status != 201 {
			t.Fatalf("a backslash and u0000: %d %s", r.Status, r.Body)
		}
	})
}

// jsonNumber is a number field of a JSON object response, as path text.
func jsonNumber(t *testing.T, r apiResp, field string) string {
	t.Helper()
	n, ok := r.json(t)[field].(float64)
	if !ok {
		t.Fatalf("no number %s in %s", field, r.Body)
	}
	return strconv.FormatInt(int64(n), 10)
}
