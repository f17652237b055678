package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// projectRoutes are the authorization matrix rows of projects and their
// moderation. Allowed requests either fail validation or change nothing
// another visitor's request depends on.
func projectRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	ctx := context.Background()
	p := openProject(t, a, f, "")
	pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: models.StanceSupport, Comment: "Matrix", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects", f.Org.ID)
	pr := fmt.Sprintf("%s/%d", base, p.ID)
	fb := fmt.Sprintf("%s/feedback/%d", pr, s.Feedback.ID)
	all := []visitor{owner, editor, moderator, viewer}
	writers := []visitor{owner, editor}
	moderators := []visitor{owner, moderator}
	return []route{
		{"GET", base, nil, all, 200},
		{"POST", base + "/settings", url.Values{"feedback_review": {"on"}}, writers, 303},
		{"GET", base + "/new", nil, writers, 200},
		{"POST", base, url.Values{"title.en": {""}}, writers, 422},
		{"GET", pr, nil, all, 200},
		{"POST", pr, url.Values{"title.en": {""}}, writers, 422},
		{"POST", pr + "/status", url.Values{"status": {"nope"}}, writers, 422},
		{"POST", pr + "/events/999999/delete", nil, writers, 404},
		{"POST", pr + "/files", url.Values{}, writers, 422},
		{"POST", pr + "/files/999999/delete", nil, writers, 404},
		{"POST", pr + "/questions", url.Values{"q_kind": {"nope"}}, writers, 422},
		{"POST", pr + "/questions/999999/delete", nil, writers, 404},
		{"POST", pr + "/announce", url.Values{"what": {"nope"}}, writers, 400},
		{"GET", pr + "/delete", nil, writers, 200},
		{"POST", base + "/999999/delete", nil, writers, 404},
		{"GET", pr + "/feedback", nil, all, 200},
		{"POST", pr + "/feedback", url.Values{"action": {"published"}, "ids": {fmt.Sprint(s.Feedback.ID)}}, moderators, 303},
		{"GET", fb, nil, all, 200},
		{"POST", fb, url.Values{"response": {"Thank you."}, "action": {"publish"}}, moderators, 303},
		{"POST", fb + "/accept", nil, moderators, 303},
		{"POST", pr + "/summary", url.Values{"result.en": {"Summary"}}, moderators, 303},
		{"GET", pr + "/export.csv", nil, rolesWith(models.PermContacts), 200},
		{"GET", pr + "/export.json", nil, rolesWith(models.PermContacts), 200},
	}
}
