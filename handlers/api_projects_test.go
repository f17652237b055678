package handlers_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/project"
)

func TestAPIProjectsAndFeedback(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		_, all, err := a.APITokens.Create(ctx, owner, "Analysis", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		_, projectsOnly, _ := a.APITokens.Create(ctx, owner, "Map", []string{apitoken.ScopeProjectsRead})
		_, noticesOnly, _ := a.APITokens.Create(ctx, owner, "Ops", []string{apitoken.ScopeNoticesRead})
		_, foreign, _ := a.APITokens.Create(ctx, &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}, "Other", apitoken.AllScopes())

		p := openProject(t, a, f, "North\nSouth")
		q, err := a.Projects.AddProjectQuestion(ctx, owner, f.Account, p.ID, models.QuestionInput{Kind: models.QuestionSingle,
			Translations: models.Translations{"en": {"label": "How do you travel?", "options": "Bus\nWalk"}, "zh-Hans": {"options": "巴士\n步行"}}})
		if err != nil {
			t.Fatal(err)
		}
		pp, _ := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		for i := range 5 {
			if _, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: models.Stances()[i%3], Comment: fmt.Sprint("c", i),
				Contact: fmt.Sprintf("p%d@example.org", i), District: []string{"North", "South"}[i%2], Consent: true,
				Answers: map[int64][]string{q.ID: {"Walk"}}}); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := a.Projects.CreateProject(ctx, owner, f.Account, project.Input{Translations: models.Translations{"en": {"title": "Later"}}}, nil); err != nil {
				t.Fatal(err)
			}
		}
		api := newAPIClient(t, a, all)
		for _, tt := range []struct {
			name, token, path string
			status            int
			code              string
		}{
			{"notices token reads projects", noticesOnly, "/accounts/metro/projects", 403, "insufficient_scope"},
			{"projects token reads feedback", projectsOnly, fmt.Sprintf("/projects/%d/feedback", p.ID), 403, "insufficient_scope"},
			{"other organization's project", foreign, fmt.Sprintf("/projects/%d", p.ID), 404, "not_found"},
			{"other organization's feedback", foreign, fmt.Sprintf("/projects/%d/feedback", p.ID), 404, "not_found"},
			{"no such project", all, "/projects/999999", 404, "not_found"},
			{"bad status", all, fmt.Sprintf("/projects/%d/feedback?status=deleted", p.ID), 400, "bad_status"},
			{"bad cursor", all, "/accounts/metro/projects?cursor=zzz", 400, "bad_cursor"},
		} {
			c := *api
			c.token = tt.token
			if r := c.do("GET", tt.path, nil); r.Status != tt.status || r.code(t) != tt.code {
				t.Fatalf("%s: %d %s", tt.name, r.Status, r.Body)
			}
		}
		// Projects page newest first.
		seen := 0
		cursor := ""
		for {
			path := "/accounts/metro/projects?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			page := api.do("GET", path, nil).json(t)
			seen += len(page["data"].([]any))
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if seen != 3 {
			t.Fatalf("paged through %d projects, want 3", seen)
		}
		// One project in full.
		c := *api
		c.token = projectsOnly
		got := c.do("GET", fmt.Sprintf("/projects/%d", p.ID), nil).json(t)
		res := got["results"].(map[string]any)
		qs := got["questions"].([]any)
		tr := got["translations"].(map[string]any)
		q0 := qs[0].(map[string]any)
		if got["open"] != true || got["default_lang"] != "en" || tr["en"].(map[string]any)["title"] != "Harbour Bridge" ||
			tr["zh-Hans"].(map[string]any)["title"] != "海港大桥" || got["title_en"] != nil ||
			res["support"].(float64) != 2 || res["oppose"].(float64) != 2 ||
			len(res["by_district"].([]any)) != 2 || len(qs) != 1 || q0["translations"].(map[string]any)["zh-Hans"].(map[string]any)["options"].([]any)[1] != "步行" ||
			q0["values"].([]any)[1] != "Walk" ||
			len(got["timeline"].([]any)) != 2 {
			t.Fatalf("project: %v", got)
		}
		// Feedback pages oldest first, with contacts and answers.
		page := api.do("GET", fmt.Sprintf("/projects/%d/feedback?limit=3", p.ID), nil).json(t)
		data := page["data"].([]any)
		first := data[0].(map[string]any)
		if len(data) != 3 || page["next_cursor"] == nil || first["contact"] != "p0@example.org" ||
			fmt.Sprint(first["answers"].(map[string]any)[fmt.Sprint(q.ID)]) != "[Walk]" {
			t.Fatalf("feedback page: %v", page)
		}
		rest := api.do("GET", fmt.Sprintf("/projects/%d/feedback?limit=3&cursor=%s", p.ID, page["next_cursor"]), nil).json(t)
		if len(rest["data"].([]any)) != 2 || rest["next_cursor"] != nil {
			t.Fatalf("second page: %v", rest)
		}
		if r := api.do("GET", fmt.Sprintf("/projects/%d/feedback?status=published", p.ID), nil).json(t); len(r["data"].([]any)) != 0 {
			t.Fatalf("published filter: %v", r)
		}
	})
}
