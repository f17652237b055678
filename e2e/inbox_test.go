package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// TestInboxJourney: a rider writes to the account's Telegram bot; the
// moderator's open inbox shows the message without a reload, the thread
// takes the rider's next message as it comes, and the reply goes back
// through Telegram. The editor sets the channel up first.
func TestInboxJourney(t *testing.T) {
	chromium(t)
	apptest.Each(t, func(t *testing.T, dbURL string) {
		const token = "123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo"
		tg := telegramtest.NewAPI(token, "MetroBot")
		t.Cleanup(tg.Close)
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.TelegramAPI = tg.URL })
		f := apptest.Seed(t, a)

		// The editor connects the bot.
		ed := newPerson(t, "editor", a.URL, false)
		ed.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		settings := fmt.Sprintf("/studio/orgs/%d/accounts/metro/chat", f.Org.ID)
		ed.open(settings)
		ed.sees("/bridge/telegram/metro")
		ed.axe()
		ed.do("paste the bot token", chromedp.SendKeys("#f-bot_token", token), chromedp.Click("#f-telegram-enabled"))
		ed.submit(`form[action$="/chat/telegram#error-summary"] button[type=submit]`)
		ed.told("Chat settings saved")
		ed.submit(`form[action$="/chat/telegram/connect"] button`)
		ed.sees("Telegram now sends the bot's messages")
		ed.axe()
		_, secret := tg.Webhook()
		if secret == "" {
			t.Fatal("the bot's webhook was not set")
		}
		say := func(update int, text string) {
			t.Helper()
			body, _ := json.Marshal(map[string]any{"update_id": update, "message": map[string]any{"message_id": update, "date": time.Now().Unix(),
				"from": map[string]any{"id": 4242, "is_bot": false, "first_name": "Ana", "language_code": "en"},
				"chat": map[string]any{"id": 4242, "type": "private"}, "text": text}})
			req, _ := http.NewRequest("POST", a.URL+"/bridge/telegram/metro", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("telegram update %q: %v %v", text, res, err)
			}
			res.Body.Close()
		}

		mod := newPerson(t, "moderator", a.URL, false)
		mod.login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)
		mod.open(inbox)
		mod.sees("Nothing waiting")
		mod.axe()

		say(1, "/start")
		say(2, "Bus 12 skipped my stop at Park Road")
		mod.waitFor("the new conversation in the open inbox", `document.querySelector("main").innerText.includes("Bus 12 skipped my stop")`)
		mod.sees("1 new")
		mod.axe()
		mod.submit(`.conversation a`)
		mod.sees("Bus 12 skipped my stop at Park Road")
		mod.axe()

		say(3, "It was the 8:15 departure")
		mod.waitFor("the rider's next message in the thread", `document.querySelector(".chat-thread").innerText.includes("8:15 departure")`)

		mod.do("write a reply", chromedp.SendKeys("#f-text", "Sorry, Ana. We have told the depot."))
		mod.submit(`form[action$="/reply#error-summary"] button[type=submit]`)
		mod.told("Reply sent")
		mod.sees("Sorry, Ana. We have told the depot.")
		sent := tg.Sent()
		if len(sent) != 1 || sent[0].ChatID != "4242" || sent[0].Text != "Sorry, Ana. We have told the depot." {
			t.Fatalf("Telegram got %+v", sent)
		}
		mod.submit(`form[action$="/status"] button`)
		mod.told("Conversation closed")
		mod.sees("Nothing waiting")
	})
}
