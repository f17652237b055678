package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestSendMeATest: "send me a test" e-mails the saved notice, as followers
// would get it, to the editor's own address and to no one else; it comes
// back to the page it was asked from with a line saying so, records no
// broadcast, and stops after the hourly limit with a clear line.
func TestSendMeATest(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, sink := startWithSink(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "rider@example.org", "", "en", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		in := notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Pier 4 closed", "body", "Ferries leave from **pier 5**.")}
		n, err := a.Notices.CreateNotice(ctx, f.Member(models.RoleOwner), f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		editor := f.ByRole[models.RoleEditor]
		c := stLogin(t, a, editor)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Org.ID, n.ID)

		stHas(t, "editor", c.Get(page), "Send me a test", editor.Email)
		stHas(t, "publish confirmation", c.Get(page+"/publish"), "Send me a test")

		res := c.Post(page+"/test", url.Values{"from": {"editor"}})
		stStatus(t, "test from the editor", res, http.StatusSeeOther, page)
		stHas(t, "back in the editor", c.Get(page), "A test was sent to your e-mail address. Nobody else got it.")
		msg := waitMail(t, sink, editor.Email, "[Test] Pier 4 closed")
		if !strings.Contains(msg.Text, "Ferries leave from pier 5.") || !strings.Contains(msg.Text, "http://plaza.test/@metro/notices/") {
			t.Errorf("the test is not the notice as it goes out: %q", msg.Text)
		}

		res = c.Post(page+"/test", url.Values{"from": {"publish"}})
		stStatus(t, "test from the publish confirmation", res, http.StatusSeeOther, page+"/publish")

		for range 8 {
			stStatus(t, "more tests", c.Post(page+"/test", nil), http.StatusSeeOther, page)
		}
		stStatus(t, "one test too many", c.Post(page+"/test", nil), http.StatusSeeOther, page)
		stHas(t, "the limit", c.Get(page), "You have sent many tests in the last hour. Try again later.")

		tests := 0
		for _, m := range sink.Messages() {
			if len(m.To) != 1 || m.To[0] != editor.Email {
				t.Errorf("a test went to %v", m.To)
			}
			if strings.HasPrefix(m.Subject, "[Test] ") {
				tests++
			}
		}
		if tests != 10 {
			t.Errorf("%d tests sent, want the limit of 10", tests)
		}
		if got := rowCount(t, a, "broadcasts", "notice_id = ?", n.ID); got != 0 {
			t.Errorf("a test recorded %d broadcasts", got)
		}
		if got, err := a.Notices.OrgNotice(ctx, f.Member(models.RoleOwner), f.Account, n.ID); err != nil || got.Status != models.NoticeDraft {
			t.Errorf("after tests the notice is %v (%v), want a draft", got, err)
		}
	})
}
