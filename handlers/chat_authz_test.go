package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// chatRoutes are the authorization matrix rows of the chat settings and
// the inbox: settings are for writers, the inbox for moderators.
func chatRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	ctx := context.Background()
	msg := &models.ChatMessage{AccountID: f.Account.ID, Channel: models.ChannelWebhook, Address: "+15550100", Direction: "in",
		Body: "Is the lift fixed?", CreatedAt: a.Store.Now()}
	if err := a.Chats.TouchConversation(ctx, a.Store.Core, msg, true); err != nil {
		t.Fatal(err)
	}
	list, _, err := a.Chats.Inbox(ctx, f.Member(models.RoleOwner), f.Account, models.InboxFilter{Status: "all"})
	if err != nil || len(list) == 0 {
		t.Fatalf("inbox: %v", err)
	}
	chat := fmt.Sprintf("/studio/orgs/%d/accounts/metro/chat", f.Org.ID)
	inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)
	conv := fmt.Sprintf("%s/%d", inbox, list[0].ID)
	writers := []visitor{owner, editor}
	moderators := []visitor{owner, moderator}
	return []route{
		{"GET", chat, nil, writers, 200},
		{"POST", chat + "/wechat", url.Values{"app_id": {"nope"}}, writers, 422},
		{"POST", chat + "/telegram", url.Values{"bot_token": {"nope"}}, writers, 422},
		{"POST", chat + "/wechat/test", nil, writers, 200},
		{"POST", chat + "/telegram/test", nil, writers, 200},
		{"POST", chat + "/webhook/test", nil, writers, 200},
		{"POST", chat + "/sms", url.Values{"from": {"nope"}}, writers, 422},
		{"POST", chat + "/sms/test", nil, writers, 200},
		{"POST", chat + "/webpush", url.Values{"enabled": {"on"}}, writers, 303},
		{"POST", chat + "/webpush/test", nil, writers, 200},
		{"POST", chat + "/telegram/connect", nil, writers, 200},
		{"POST", chat + "/welcome", url.Values{"welcome.en": {""}}, writers, 303},
		{"POST", chat + "/keywords", url.Values{"keyword": {""}}, writers, 422},
		{"POST", chat + "/keywords/999999/delete", nil, writers, 404},
		{"GET", inbox, nil, moderators, 200},
		{"GET", conv, nil, moderators, 200},
		{"GET", conv + "/messages?after=0", nil, moderators, 200},
		{"POST", conv + "/reply", url.Values{"text": {" "}}, moderators, 422},
		{"POST", conv + "/assign", url.Values{"assignee": {"999999"}}, moderators, 422},
		{"POST", conv + "/status", url.Values{"status": {"nope"}}, moderators, 422},
		{"GET", inbox + "/999999", nil, moderators, 404},
		{"GET", inbox + "/replies", nil, moderators, 200},
		{"POST", inbox + "/replies", url.Values{"title": {""}}, moderators, 422},
		{"POST", inbox + "/replies/999999/delete", nil, moderators, 404},
		{"POST", conv + "/saved", url.Values{"reply": {"x"}}, moderators, 422},
	}
}
