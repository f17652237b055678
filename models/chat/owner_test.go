package chat_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// notJSONKey matches name as apptest.Named does, but not as a JSON key
// (`json:"name"`): a follower's data export (models/follower) keeps
// "chat_messages" as the key of the messages it got from this package.
func notJSONKey(name string) *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[^":])"?` + regexp.QuoteMeta(name))
}

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/chat", map[string]*regexp.Regexp{
		"chat_sessions": apptest.Named("chat_sessions"), "chat_keywords": apptest.Named("chat_keywords"),
		"chat_messages": notJSONKey("chat_messages"), "chat_conversations": apptest.Named("chat_conversations"),
		"chat_places": apptest.Named("chat_places"), "chat_saved_replies": apptest.Named("chat_saved_replies"),
	})
}

// TestNotJSONKey: the export's JSON key is let through, a query is not.
func TestNotJSONKey(t *testing.T) {
	re := notJSONKey("chat_messages")
	for _, s := range []string{"FROM chat_messages WHERE", `Table("chat_messages")`, `f(ctx, "chat_messages", x)`, "chat_messages.id"} {
		if !re.MatchString(s) {
			t.Errorf("%q not matched", s)
		}
	}
	if s := "Chats []models.ChatMessageData `json:\"chat_messages\"`"; re.MatchString(s) {
		t.Errorf("%q matched", s)
	}
}
