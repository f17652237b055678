package channel_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// bridge/contract reads account_channels too: the contract suite looks
// at the stored row to prove that no secret is kept in clear.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/channel", map[string]*regexp.Regexp{
		"account_channels": apptest.NamedAsTable("account_channels"),
		"chat_tokens":      apptest.NamedAsTable("chat_tokens"), "wechat_nonces": apptest.NamedAsTable("wechat_nonces"),
	}, "bridge/contract")
}
