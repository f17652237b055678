package testchat_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/testchat", map[string]*regexp.Regexp{
		"test_chat_codes": apptest.NamedAsTable("test_chat_codes"), "test_chats": apptest.NamedAsTable("test_chats"),
	})
}
