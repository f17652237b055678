package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

// codeRoutes are the authorization matrix rows of this area's studio routes; it
// may create the data its routes need through a.Store.
func codeRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	ctx := context.Background()
	mk := func(scene string) *followcode.FollowCode {
		c, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleEditor), f.Account, followcode.FollowCodeInput{Name: "Matrix " + scene, Scene: scene})
		if err != nil {
			t.Fatalf("create code %s: %v", scene, err)
		}
		return c
	}
	code, ending := mk("matrix"), mk("matrix-end")
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes", f.Org.ID)
	one := fmt.Sprintf("%s/%d", base, code.ID)
	end := fmt.Sprintf("%s/%d/expire", base, ending.ID)
	all := []visitor{owner, editor, moderator, viewer}
	writers := []visitor{owner, editor}
	return []route{
		{"GET", base, nil, all, 200},
		{"GET", base + "/new", nil, writers, 200},
		// The scene is taken, so every allowed attempt fails the same way.
		{"POST", base, url.Values{"name": {"Again"}, "scene": {"matrix"}}, writers, 422},
		{"GET", one, nil, all, 200},
		{"POST", one, url.Values{"name": {"Matrix matrix"}}, writers, 303},
		{"GET", end, nil, writers, 200},
		// Ending an ended code changes nothing.
		{"POST", end, nil, writers, 303},
		// Without ?size the image is 512 pixels wide.
		{"GET", one + "/qr.png", nil, all, 200},
		{"GET", one + "/qr.svg", nil, all, 200},
		{"GET", one + "/poster", nil, all, 200},
		// The matrix account has no WeChat: asking WeChat for a code is
		// refused, and there is no WeChat image to draw.
		{"POST", one + "/wechat", nil, writers, 422},
		{"GET", one + "/wechat.png", nil, all, 404},
	}
}
