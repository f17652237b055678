package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// tgSay posts a Telegram message from chat and returns the bot's
// answer in the webhook's response ("" for none).
func tgSay(t *testing.T, w *chatWorld, update int, chat int64, text string) string {
	t.Helper()
	r := postTelegram(t, w, "tg-secret-1", tgMessage(update, chat, text))
	if r.status != http.StatusOK {
		t.Fatalf("%q: %d %s", text, r.status, r.body)
	}
	if r.body == "" {
		return ""
	}
	var call struct {
		Method, ChatID, Text string
	}
	if err := json.Unmarshal([]byte(r.body), &call); err != nil {
		t.Fatalf("%q: %s", text, r.body)
	}
	return call.Text
}

// TestTestChatCodeInChat: the code the studio shows, sent from a chat
// (typed, or as the payload of the Telegram link), links that chat to
// the staff member for tests and does not make it a follower nor reach
// the inbox; a wrong code says so; other messages are handled as before.
func TestTestChatCodeInChat(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		ctx := context.Background()
		editor := f.Member(models.RoleEditor)

		code, err := a.TestChats.IssueCode(ctx, editor, f.Account)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, tgSay(t, w, 1, 42, "/start "+code.StartPayload()), "Tests from Metro will come here.")
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "42"); fl != nil {
			t.Fatalf("the code made a follower: %+v", fl)
		}
		links, err := a.TestChats.Links(ctx, editor, f.Account)
		if err != nil || len(links) != 1 || links[0].Channel != "telegram" || links[0].Address != "42" {
			t.Fatalf("links %+v %v", links, err)
		}
		// Used: the same link again is a wrong code, and still no follow.
		expect(t, tgSay(t, w, 2, 42, "/start "+code.StartPayload()), "This code is not valid or has expired.")
		expect(t, tgSay(t, w, 3, 42, "PLAZA 0000 0000"), "This code is not valid or has expired.")
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "42"); fl != nil {
			t.Fatalf("a used code made a follower: %+v", fl)
		}
		if n := countRows(t, a, "chat_messages", "handled_by = ? AND direction = ?", "test-chat", "in"); n != 3 {
			t.Errorf("%d code messages recorded as codes, want 3", n)
		}
		if n := countRows(t, a, "chat_messages", "handled_by = ?", "inbox"); n != 0 {
			t.Errorf("a code reached the inbox (%d)", n)
		}

		// Typed in WeChat, in another staff member's name.
		owner := f.Member(models.RoleOwner)
		code, err = a.TestChats.IssueCode(ctx, owner, f.Account)
		if err != nil {
			t.Fatal(err)
		}
		ans := w.wechat(t, fmt.Sprintf(`<xml><ToUserName>gh_demo</ToUserName><FromUserName>o-boss</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>%s</Content><MsgId>9001</MsgId></xml>`, code.Text()))
		expect(t, replyText(t, ans), "Tests from Metro will come here.")
		if fl := chatFollower(t, a, f.Account.ID, "wechat", "o-boss"); fl != nil {
			t.Fatalf("the WeChat code made a follower: %+v", fl)
		}
		if links, err := a.TestChats.Links(ctx, owner, f.Account); err != nil || len(links) != 1 || links[0].Address != "o-boss" {
			t.Fatalf("the owner's links %+v %v", links, err)
		}

		// Other messages as before: a follow, a question for the staff.
		expect(t, tgSay(t, w, 4, 42, "/start"), "Metro")
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "42"); fl == nil || fl.Status != models.StatusActive {
			t.Fatalf("/start after a code: %+v", fl)
		}
		expect(t, tgSay(t, w, 5, 42, "When does the ferry leave?"), "Your message was passed to the staff of Metro.")
	})
}

// TestSendATestToALinkedChat: the editor links their Telegram chat and
// sends the test there (the fake Bot API gets it); the choice is theirs
// alone (another member cannot use nor see the link, another
// organization not even the page), the errors are clear (an unknown
// link, Telegram off, Telegram refusing), and Unlink asks first.
func TestSendATestToALinkedChat(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		if err := saveChat(ctx, a, owner, f.Account, models.ChannelTelegram, settings(true, "bot_token", testBot, "secret_token", "tg-secret-1", "bot_name", "MetroBot")); err != nil {
			t.Fatal(err)
		}
		n, err := a.Notices.CreateNotice(ctx, owner, f.Account, notice.Input{Kind: models.NoticeTransit,
			Translations: models.Texts("en", "title", "Pier 4 closed", "body", "Ferries leave from **pier 5**.")})
		if err != nil {
			t.Fatal(err)
		}
		editor := f.ByRole[models.RoleEditor]
		c := stLogin(t, a, editor)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Org.ID, n.ID)

		// No chat yet: the page offers to link one.
		stHas(t, "editor", c.Get(page), "Get tests in Telegram, WeChat or SMS")
		stStatus(t, "ask for a code", c.Post(page+"/test-chats", url.Values{"from": {"editor"}}), http.StatusSeeOther, page+"#test-send-h")
		code, err := a.TestChats.LiveCode(ctx, f.Member(models.RoleEditor), f.Account)
		if err != nil || code == nil {
			t.Fatalf("no live code after asking: %v", err)
		}
		stHas(t, "the code", c.Get(page), code.Text(), "https://t.me/MetroBot?start="+code.StartPayload(), "WeChat: send it as a message")

		expect(t, tgSay(t, w, 1, 42, "/start "+code.StartPayload()), "Tests from Metro will come here.")
		links, err := a.TestChats.Links(ctx, f.Member(models.RoleEditor), f.Account)
		if err != nil || len(links) != 1 {
			t.Fatalf("links %+v %v", links, err)
		}
		to := fmt.Sprintf("chat-%d", links[0].ID)
		stHas(t, "the choice", c.Get(page), "My e-mail address, "+editor.Email, "My Telegram chat (42)", `value="`+to+`"`)

		res := c.Post(page+"/test", url.Values{"from": {"editor"}, "to": {to}})
		stStatus(t, "test to the chat", res, http.StatusSeeOther, page)
		stHas(t, "sent", c.Get(page), "A test was sent to your chat. Nobody else got it.")
		sent := w.tg.Sent()
		if len(sent) != 1 || sent[0].ChatID != "42" || !strings.Contains(sent[0].Text, "[Test] Pier 4 closed") || !strings.Contains(sent[0].Text, "Ferries leave from pier 5.") {
			t.Fatalf("Telegram got %+v", sent)
		}
		if got := rowCount(t, a, "broadcasts", "notice_id = ?", n.ID); got != 0 {
			t.Errorf("a test recorded %d broadcasts", got)
		}

		// Another member can neither use nor see the editor's chat.
		boss := stLogin(t, a, f.ByRole[models.RoleOwner])
		stLacks(t, "the owner's page", boss.Get(page), "My Telegram chat (42)", to)
		stStatus(t, "the owner uses the editor's chat", boss.Post(page+"/test", url.Values{"to": {to}}), http.StatusSeeOther, page)
		stHas(t, "refused", boss.Get(page), "That chat is not linked any more.")
		stStatus(t, "the owner's unlink page", boss.Get(page+"/test-chats/"+fmt.Sprint(links[0].ID)+"/unlink"), http.StatusNotFound)
		stStatus(t, "the owner unlinks", boss.Post(page+"/test-chats/"+fmt.Sprint(links[0].ID)+"/unlink", nil), http.StatusNotFound)
		outsider := stLogin(t, a, f.Outside)
		stStatus(t, "another organization", outsider.Post(page+"/test", url.Values{"to": {to}}), http.StatusNotFound)
		stStatus(t, "another organization's unlink page", outsider.Get(page+"/test-chats/"+fmt.Sprint(links[0].ID)+"/unlink"), http.StatusNotFound)
		if got := len(w.tg.Sent()); got != 1 {
			t.Fatalf("Telegram got %d messages, want the editor's one", got)
		}

		// Clear errors, nothing sent.
		for _, bad := range []string{"chat-x", "chat-999999", "chat-"} {
			stStatus(t, bad, c.Post(page+"/test", url.Values{"to": {bad}}), http.StatusSeeOther, page)
			stHas(t, bad, c.Get(page), "That chat is not linked any more.")
		}
		w.tg.Block("42")
		stStatus(t, "Telegram refuses", c.Post(page+"/test", url.Values{"to": {to}, "from": {"publish"}}), http.StatusSeeOther, page+"/publish")
		stHas(t, "refused", c.Get(page+"/publish"), "The test could not be sent: the chat app did not take it.")
		if err := saveChat(ctx, a, owner, f.Account, models.ChannelTelegram, settings(false, "bot_token", testBot, "secret_token", "tg-secret-1", "bot_name", "MetroBot")); err != nil {
			t.Fatal(err)
		}
		stStatus(t, "Telegram off", c.Post(page+"/test", url.Values{"to": {to}}), http.StatusSeeOther, page)
		stHas(t, "off", c.Get(page), "That chat app is turned off for this account.")
		if got := len(w.tg.Sent()); got != 1 {
			t.Fatalf("Telegram got %d messages, want 1", got)
		}

		// Unlink asks first.
		unlink := page + "/test-chats/" + fmt.Sprint(links[0].ID) + "/unlink"
		stHas(t, "confirm", c.Get(unlink+"?from=editor"), "Unlink this chat?", "My Telegram chat (42) will no longer get your tests.")
		stStatus(t, "unlink", c.Post(unlink, url.Values{"from": {"editor"}}), http.StatusSeeOther, page)
		stHas(t, "unlinked", c.Get(page), "The chat was unlinked.")
		if links, err := a.TestChats.Links(ctx, f.Member(models.RoleEditor), f.Account); err != nil || len(links) != 0 {
			t.Errorf("after unlink: %+v %v", links, err)
		}
		stStatus(t, "unlink again", c.Post(unlink, nil), http.StatusNotFound)
	})
}
