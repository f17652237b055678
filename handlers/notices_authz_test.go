package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// noticeRoutes are the authorization matrix rows of notices and
// broadcasts. Every allowed request leaves the data as it found it (or
// fails the same way each time), so the order of visitors does not matter.
func noticeRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	ctx := context.Background()
	boss := f.Member(models.RoleOwner)
	in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Matrix", "body", "Body")}
	mk := func() *models.Notice {
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	draft, live, ended := mk(), mk(), mk()
	_, b, err := a.Notices.PublishNotice(ctx, boss, f.Account, live.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, ended.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Notices.EndNotice(ctx, boss, f.Account, ended.ID, models.EndCancel); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices", f.Org.ID)
	d := fmt.Sprintf("%s/%d", base, draft.ID)
	l := fmt.Sprintf("%s/%d", base, live.ID)
	e := fmt.Sprintf("%s/%d", base, ended.ID)
	bc := fmt.Sprintf("/studio/orgs/%d/accounts/metro/broadcasts/%d", f.Org.ID, b.ID)
	all := []visitor{owner, editor, moderator, viewer}
	writers := []visitor{owner, editor}
	publishers := []visitor{owner, editor}
	invalid := url.Values{"kind": {"general"}, "title.en": {""}}
	return []route{
		{"GET", base, nil, all, 200},
		{"GET", base + "/new", nil, writers, 200},
		{"POST", base, invalid, writers, 422},
		{"POST", base + "/preview", url.Values{"body.en": {"**hi**"}}, writers, 200},
		{"GET", base + "/audience", nil, all, 200},
		{"GET", d, nil, all, 200},
		{"POST", d, invalid, writers, 422},
		{"GET", d + "/publish", nil, publishers, 200},
		{"POST", l + "/publish", nil, publishers, 422},
		{"POST", d + "/unschedule", nil, publishers, 303},
		{"POST", d + "/test", nil, writers, 303},
		{"POST", d + "/test-chats", nil, writers, 303},
		// Links are each member's own: no visitor has one with this id,
		// and who may reach the route gets the 404 of a missing link
		// (TestSendATestToALinkedChat has one member try another's).
		{"GET", d + "/test-chats/999999/unlink", nil, writers, 404},
		{"POST", d + "/test-chats/999999/unlink", nil, writers, 404},
		{"GET", l + "/update", nil, publishers, 200},
		{"POST", l + "/update", invalid, publishers, 422},
		{"GET", l + "/end?how=cancel", nil, publishers, 200},
		{"POST", e + "/end", url.Values{"how": {"cancel"}}, publishers, 303},
		{"GET", d + "/delete", nil, writers, 200},
		{"POST", l + "/delete", nil, writers, 303},
		{"POST", d + "/files", url.Values{}, writers, 422},
		{"GET", d + "/files/999999/delete", nil, writers, 404},
		{"POST", d + "/files/999999/delete", nil, writers, 404},
		{"GET", bc, nil, all, 200},
		{"GET", bc + "/progress", nil, all, 200},
		{"POST", bc + "/retry", nil, publishers, 303},
		{"GET", bc + "/cancel", nil, publishers, 200},
		{"POST", bc + "/cancel", nil, publishers, 303},
	}
}
