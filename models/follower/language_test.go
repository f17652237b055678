package follower_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// TestFollowerLanguageIsTheAccounts: a follower's language is one of the
// account's. The API refuses another, names none for the default, and the
// follow form's stray value gets the default (never another script).
func TestFollowerLanguageIsTheAccounts(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a) // @metro publishes in en and zh-Hans
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		add := func(addr, lang string) (*models.Follower, error) {
			in, err := follower.Validate(follower.Input{Channel: models.ChannelWebhook, Address: addr, Language: lang})
			if err != nil {
				return nil, err
			}
			fl, _, err := a.Followers.APIAddFollower(ctx, owner, f.Account, in)
			return fl, err
		}
		if _, err := add("+15550001", "zh-Hant"); err == nil {
			t.Fatal("a language the account does not publish in was taken")
		} else if v, ok := models.AsValidation(err); !ok || v.Fields["language"] != "err.not_account_language" {
			t.Fatalf("zh-Hant: %v", err)
		}
		for _, tt := range []struct{ addr, lang, want string }{
			{"+15550002", "", "en"},
			{"+15550003", "zh", "zh-Hans"},
			{"+15550004", "zh-Hans", "zh-Hans"},
		} {
			fl, err := add(tt.addr, tt.lang)
			if err != nil || fl.Language != tt.want {
				t.Errorf("language %q: %+v, %v; want %s", tt.lang, fl, err, tt.want)
			}
		}
		fl, err := a.Followers.RequestFollow(ctx, follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail,
			Address: "trad@example.org", Language: "zh-Hant"})
		if err != nil || fl.Language != "en" {
			t.Fatalf("a follow asking for zh-Hant on an en/zh-Hans account: %+v, %v; want the default, en", fl, err)
		}
	})
}
