package channel_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// account_channels is left out for now: the follower and account code
// still lists an account's enabled channels and turns e-mail on and off
// in it, and those domains are moving at the same time.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/channel", map[string]*regexp.Regexp{
		"chat_tokens": apptest.NamedAsTable("chat_tokens"), "wechat_nonces": apptest.NamedAsTable("wechat_nonces"),
	})
}
