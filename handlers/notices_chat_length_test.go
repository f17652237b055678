package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestPublishChatLengths: the publish confirmation says, for each chat
// app the account uses, how long the notice is as one message and
// whether it goes out whole or shortened to end with its link.
func TestPublishChatLengths(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		body := strings.Repeat("Ferries leave from pier 5. ", 30) // 810 characters
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, notice.Input{Kind: models.NoticeGeneral,
			Translations: models.Texts("en", "title", "Pier 4 closed", "body", body)})
		if err != nil {
			t.Fatal(err)
		}
		c := stLogin(t, a, f.ByRole[models.RoleEditor])
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d/publish", f.Org.ID, n.ID)
		stLacks(t, "without chat apps", c.Get(page), "As a chat message")

		if err := saveChat(ctx, a, boss, f.Account, models.ChannelTelegram, settings(true, "bot_token", testBot, "secret_token", "tg-secret-1")); err != nil {
			t.Fatal(err)
		}
		ws := settings(true, "app_id", testAppID, "app_secret", "app-secret-1", "token", "tok123", "aes_key", testAESKey)
		if err := saveChat(ctx, a, boss, f.Account, models.ChannelWeChat, ws); err != nil {
			t.Fatal(err)
		}
		// Subject, a blank line, the text (trimmed), a newline and the link.
		length := len("Pier 4 closed") + 2 + len(strings.TrimSpace(body)) + 1 + len(fmt.Sprintf("http://plaza.test/@metro/notices/%d", n.ID))
		stHas(t, "with Telegram and WeChat", c.Get(page), "As a chat message",
			fmt.Sprintf("Telegram: %d characters, within the 4096 a message takes; it goes out whole.", length),
			fmt.Sprintf("WeChat: %d characters, more than the 600 a message takes; it is shortened and ends with the link to the notice&#39;s page.", length))
	})
}
