package chat_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// chat_messages and chat_conversations are not checked yet: erasing and
// exporting a follower's data (models/privacy.go) still reads and deletes
// their rows itself, until that code moves to the followers' domain and
// asks this one.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/chat", map[string]*regexp.Regexp{
		"chat_sessions": apptest.Named("chat_sessions"), "chat_keywords": apptest.Named("chat_keywords"),
	})
}
