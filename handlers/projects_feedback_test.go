package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// Tests for the public feedback form of a project.

func TestFeedbackForm(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "Central\nWan Chai")
		q, err := a.Projects.AddProjectQuestion(ctx, f.Member(models.RoleOwner), f.Account, p.ID, models.QuestionInput{
			Kind: models.QuestionMultiple, Translations: models.Translations{"en": {"label": "When do you cross?", "options": "Morning\nEvening\nNight"}}, Required: true})
		if err != nil {
			t.Fatal(err)
		}
		qf := fmt.Sprintf("q%d", q.ID)
		path := fmt.Sprintf("/@metro/projects/%d", p.ID)
		c := a.Client(t)
		valid := func() url.Values {
			return url.Values{"stance": {"support"}, "comment": {"Build it, please."}, "name": {"Ah Ming"}, "contact": {"ming@example.org"},
				"district": {"Central"}, "consent": {"on"}, qf: {"Morning", "Night"}}
		}
		with := func(k string, v ...string) url.Values {
			f := valid()
			if v == nil {
				f.Del(k)
			} else {
				f[k] = v
			}
			return f
		}
		long := strings.Repeat("長", models.MaxComment+1)
		tests := []struct {
			name  string
			form  url.Values
			field string
			msg   string
		}{
			{"empty form", url.Values{}, "stance", "Choose support, oppose or neutral"},
			{"no stance", with("stance"), "stance", "Choose support, oppose or neutral"},
			{"unknown stance", with("stance", "maybe"), "stance", "Choose one of the options"},
			{"comment too long", with("comment", long), "comment", "2,000 characters"},
			{"bad contact", with("contact", "call me maybe"), "contact", "e-mail address"},
			{"short phone", with("contact", "123"), "contact", "e-mail address"},
			{"no consent", with("consent"), "consent", "tick the box"},
			{"district not offered", with("district", "Atlantis"), "district", "Choose one of the options"},
			{"choice not offered", with(qf, "Noon"), qf, "Choose one of the options"},
			{"required question", with(qf), qf, "required"},
			{"name too long", with("name", strings.Repeat("n", 101)), "name", "too long"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := c.Post(path+"/feedback", tt.form)
				if r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status: %s", r)
				}
				// The message sits next to its field, and what was typed
				// is still there.
				if !strings.Contains(r.Body, `id="e-`+tt.field+`"`) || !strings.Contains(strings.ToLower(r.Body), strings.ToLower(tt.msg)) {
					t.Fatalf("no %q next to %s: %s", tt.msg, tt.field, r)
				}
				if c := tt.form.Get("comment"); c != "" && c != long && !strings.Contains(r.Body, c) {
					t.Fatalf("comment lost: %s", r)
				}
			})
		}
		if rows := feedbackRows(t, a, p.ID); len(rows) != 0 {
			t.Fatalf("invalid submissions stored %d rows", len(rows))
		}

		// HTML and script are kept as text and never run.
		script := `<script>alert("x")</script><b>bold</b> & 中文`
		r := c.Post(path+"/feedback", with("comment", script))
		if r.Status != http.StatusSeeOther || r.Location != path+"/thanks" {
			t.Fatalf("valid: %s", r)
		}
		if r := c.Get(r.Location); r.Status != 200 || !strings.Contains(r.Body, "Your answer has been received") || !strings.Contains(r.Body, "once a moderator has read it") {
			t.Fatalf("thanks: %s", r)
		}
		rows := feedbackRows(t, a, p.ID)
		if len(rows) != 1 || rows[0].Comment != script || rows[0].Status != models.FeedbackPending || rows[0].Channel != "web" ||
			rows[0].ContactKey == nil || *rows[0].ContactKey != "email:ming@example.org" || rows[0].AnswerMap()[fmt.Sprint(q.ID)][1] != "Night" {
			t.Fatalf("stored: %+v", rows)
		}
		// Pending feedback is counted but not shown.
		r = c.Get(path)
		if strings.Contains(r.Body, "bold</b>") || !strings.Contains(r.Body, "1 answer,") {
			t.Fatalf("pending shown or not counted: %s", r)
		}

		// The same contact again (however it is typed) is thanked the same
		// way, and waits as an unconfirmed revision beside the first answer
		// (TestAnswerReplacementAttack covers the rest).
		r = c.Post(path+"/feedback", with("contact", " Ming@Example.ORG "))
		if r.Status != http.StatusSeeOther || r.Location != path+"/thanks" {
			t.Fatalf("second answer: %s", r)
		}
		rows = feedbackRows(t, a, p.ID)
		if len(rows) != 2 || rows[0].Comment != script || rows[0].RevisionState != models.RevisionCurrent ||
			rows[1].RevisionState != models.RevisionUnconfirmed || rows[1].Comment != "Build it, please." {
			t.Fatalf("after the second answer: %+v", rows)
		}
		// A phone number is a contact too; answers without a contact are
		// each their own.
		for _, form := range []url.Values{with("contact", "+852 9123-4567"), with("contact"), with("contact")} {
			if r := c.Post(path+"/feedback", form); r.Status != http.StatusSeeOther {
				t.Fatalf("answer: %s", r)
			}
		}
		if rows = feedbackRows(t, a, p.ID); len(rows) != 5 || *rows[2].ContactKey != "tel:+85291234567" {
			t.Fatalf("rows: %+v", rows)
		}
		// The honeypot: the bot is thanked and nothing is stored.
		if r := c.Post(path+"/feedback", with("website", "http://spam.example")); r.Status != http.StatusSeeOther {
			t.Fatalf("honeypot: %s", r)
		}
		if rows = feedbackRows(t, a, p.ID); len(rows) != 5 {
			t.Fatalf("honeypot stored: %d", len(rows))
		}
		// A form posted from another site is refused (an anonymous
		// page carries no token: the cross-origin check guards it).
		if r := sendWith(t, a, c, "POST", path+"/feedback", strings.NewReader(valid().Encode()), map[string]string{"Sec-Fetch-Site": "cross-site"}); r.Status != http.StatusForbidden {
			t.Fatalf("cross-site: %s", r)
		}
		if rows = feedbackRows(t, a, p.ID); len(rows) != 5 {
			t.Fatalf("a cross-site answer was stored: %d rows", len(rows))
		}
		// One contact may send five answers an hour (each one after the
		// first waits as a revision).
		for i := 0; i < 4; i++ {
			c.Post(path+"/feedback", with("contact", "+852 9123 4567"))
		}
		if r := c.Post(path+"/feedback", with("contact", "+85291234567")); r.Status != http.StatusTooManyRequests ||
			!strings.Contains(r.Body, "answered several times") || !strings.Contains(r.Body, "Build it, please.") {
			t.Fatalf("contact limit: %s", r)
		}
		// A closed consultation says so and keeps nothing.
		past := a.Store.Now().Add(-time.Hour)
		if err := a.Store.DB().Model(&models.Project{}).Where("id = ?", p.ID).Update("closes_at", past).Error; err != nil {
			t.Fatal(err)
		}
		r = c.Post(path+"/feedback", with("contact", "late@example.org"))
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "not taking answers") || !strings.Contains(r.Body, "consultation closed") {
			t.Fatalf("closed: %s", r)
		}
		if r := c.Get(path); strings.Contains(r.Body, `name="stance"`) || !strings.Contains(r.Body, "consultation closed") {
			t.Fatalf("closed page still has the form: %s", r)
		}
		if rows = feedbackRows(t, a, p.ID); len(rows) != 9 {
			t.Fatalf("closed consultation stored: %d", len(rows))
		}
		// Unknown projects and ids that are not numbers are 404s.
		for _, u := range []string{"/@metro/projects/999999", "/@metro/projects/abc", "/@nobody/projects"} {
			if r := c.Get(u); r.Status != http.StatusNotFound {
				t.Fatalf("%s: %s", u, r)
			}
		}
	})
}

func TestFeedbackAddressLimit(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.FeedbackLimit = 3 })
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		path := fmt.Sprintf("/@metro/projects/%d/feedback", p.ID)
		c := a.Client(t)
		for i := 0; i < 3; i++ {
			if r := c.Post(path, url.Values{"stance": {"oppose"}, "consent": {"on"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("answer %d: %s", i, r)
			}
		}
		r := c.Post(path, url.Values{"stance": {"oppose"}, "comment": {"one more"}, "consent": {"on"}})
		if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "from your network") || !strings.Contains(r.Body, "one more") {
			t.Fatalf("address limit: %s", r)
		}
		if rows := feedbackRows(t, a, p.ID); len(rows) != 3 {
			t.Fatalf("rows: %d", len(rows))
		}
	})
}
