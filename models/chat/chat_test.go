package chat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/chat"
)

func replyIn(lang, text string) models.Translations {
	return models.Translations{lang: {models.KeywordReplyField: text}}
}

func TestMatchKeyword(t *testing.T) {
	kws := []models.ChatKeyword{
		{ID: 1, Keyword: "Route 12", Match: models.MatchContains, Translations: replyIn("en", "contains")},
		{ID: 2, Keyword: "route  12", Match: models.MatchExact, Translations: replyIn("en", "exact")},
		{ID: 3, Keyword: "时刻表", Match: models.MatchContains, Translations: replyIn("zh-Hans", "zh")},
		{ID: 4, Keyword: "hours", Match: models.MatchContains, Translations: replyIn("en", "first")},
		{ID: 5, Keyword: "hours", Match: models.MatchContains, Translations: replyIn("en", "second")},
	}
	for _, c := range []struct {
		text, want string
	}{
		{"  ROUTE 12 ", "exact"},
		{"is route 12 running?", "contains"},
		{"时刻表在哪", "zh"},
		{"opening hours", "first"},
		{"   ", ""},
		{"nothing", ""},
	} {
		got := ""
		if k := chat.MatchKeyword(kws, c.text); k != nil {
			got = k.Translations.Get(k.Translations.Langs()[0], models.KeywordReplyField)
		}
		if got != c.want {
			t.Errorf("MatchKeyword(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestKeywordReplyLanguage: a follower gets the reply in their language,
// else in the account's default, else in any it has.
func TestKeywordReplyLanguage(t *testing.T) {
	k := models.ChatKeyword{Translations: models.Translations{
		"en":      {models.KeywordReplyField: "A ride is 2 dollars."},
		"es":      {models.KeywordReplyField: "Un viaje cuesta 2 dólares."},
		"zh-Hant": {models.KeywordReplyField: "單程票 2 元。"},
	}}
	onlyZh := models.ChatKeyword{Translations: replyIn("zh-Hans", "单程票 2 元。")}
	for _, c := range []struct {
		k              models.ChatKeyword
		lang, def      string
		want, wantLang string
	}{
		{k, "es", "en", "Un viaje cuesta 2 dólares.", "es"},
		{k, "zh-Hant", "en", "單程票 2 元。", "zh-Hant"},
		{k, "ar", "en", "A ride is 2 dollars.", "en"},
		// Simplified Chinese is not Traditional: the default, not the other script.
		{k, "zh-Hans", "es", "Un viaje cuesta 2 dólares.", "es"},
		{onlyZh, "en", "en", "单程票 2 元。", "zh-Hans"},
	} {
		got, in := c.k.ReplyFor(c.lang, c.def)
		if got != c.want || in != c.wantLang {
			t.Errorf("ReplyFor(%s, %s) = %q in %s, want %q in %s", c.lang, c.def, got, in, c.want, c.wantLang)
		}
	}
}

// TestKeywordRepliesShowAtOnce: the router reads keywords through a
// cache, which a change on this instance clears.
func TestKeywordRepliesShowAtOnce(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := t.Context()
		s, editor := a.Chats, f.Member(models.RoleEditor)
		reply := func() string {
			t.Helper()
			k, err := s.KeywordReply(ctx, f.Account.ID, "Hours")
			if err != nil {
				t.Fatal(err)
			}
			if k == nil {
				return ""
			}
			text, _ := k.ReplyFor("en", "en")
			return text
		}
		if got := reply(); got != "" {
			t.Fatalf("before any keyword: %q", got)
		}
		if err := s.AddChatKeyword(ctx, editor, f.Account, models.ChatKeyword{Keyword: "hours", Match: models.MatchExact, Translations: replyIn("en", "9 to 5")}); err != nil {
			t.Fatal(err)
		}
		if got := reply(); got != "9 to 5" {
			t.Fatalf("after adding: %q", got)
		}
		kws, err := s.ChatKeywords(ctx, f.Account.ID)
		if err != nil || len(kws) != 1 {
			t.Fatalf("keywords: %v %v", kws, err)
		}
		if err := s.DeleteChatKeyword(ctx, editor, f.Account, kws[0].ID); err != nil {
			t.Fatal(err)
		}
		if got := reply(); got != "" {
			t.Fatalf("after deleting: %q", got)
		}
		if err := s.DeleteChatKeyword(ctx, editor, f.Account, kws[0].ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleting again: %v", err)
		}
		var v *models.ValidationError
		if err := s.AddChatKeyword(ctx, editor, f.Account, models.ChatKeyword{Keyword: " ", Match: "sometimes"}); !errors.As(err, &v) {
			t.Fatalf("invalid keyword: %v", err)
		}
		// At least one reply, each of up to 2,000 characters, in the
		// account's languages (Metro's: en, zh-Hans).
		for _, c := range []struct {
			tr    models.Translations
			field string
		}{
			{models.Translations{"en": {"reply": "  "}}, "reply.en"},
			{models.Translations{"zh-Hans": {"reply": strings.Repeat("字", 2001)}}, "reply.zh-Hans"},
			{models.Translations{"en": {"reply": "ok"}, "ar": {"reply": "نعم"}}, "reply.ar"},
		} {
			err := s.AddChatKeyword(ctx, editor, f.Account, models.ChatKeyword{Keyword: "fare", Match: models.MatchExact, Translations: c.tr})
			if !errors.As(err, &v) || v.Fields[c.field] == "" {
				t.Errorf("replies %v: %v, want an error on %s", c.tr, err, c.field)
			}
		}
		if err := s.AddChatKeyword(ctx, editor, f.Account, models.ChatKeyword{Keyword: "fare", Match: models.MatchExact,
			Translations: models.Translations{"en": {"reply": strings.Repeat("a", 2000)}, "zh-Hans": {"reply": " 单程票 2 元。 "}}}); err != nil {
			t.Fatal(err)
		}
		k, err := s.KeywordReply(ctx, f.Account.ID, "FARE")
		if err != nil || k == nil || k.Translations.Get("zh-Hans", "reply") != "单程票 2 元。" || len(k.Translations.Langs()) != 2 {
			t.Fatalf("stored keyword: %+v %v", k, err)
		}
	})
}

// TestTurnIsRecordedOnce follows one person's message through what the
// router records: a platform's retry is told apart, the conversation
// opens for the staff, and the conversation in progress comes and goes.
func TestTurnIsRecordedOnce(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := t.Context()
		s, tx, acc := a.Chats, a.Store.Core, f.Account
		const ch, addr = models.ChannelWebhook, "person-1"
		id := "m-1"
		in := &models.ChatMessage{AccountID: acc.ID, Channel: ch, Address: addr, MsgID: &id, Kind: "text", Body: "Is the lift\x00 fixed?", HandledBy: "inbox"}
		out := models.ChatMessage{AccountID: acc.ID, Channel: ch, Address: addr, Kind: "text", Body: "We will answer soon.", HandledBy: "inbox"}
		if dup, err := s.RecordTurn(ctx, tx, in, []models.ChatMessage{out}); err != nil || dup {
			t.Fatalf("first: dup %v, %v", dup, err)
		}
		if in.ID == 0 || in.Body != "Is the lift fixed?" {
			t.Fatalf("stored message: %+v", in)
		}
		retry := &models.ChatMessage{AccountID: acc.ID, Channel: ch, Address: addr, MsgID: &id, Kind: "text", Body: "Is the lift fixed?"}
		if dup, err := s.RecordTurn(ctx, tx, retry, nil); err != nil || !dup {
			t.Fatalf("retry: dup %v, %v", dup, err)
		}
		if err := s.TouchConversation(ctx, tx, in, true); err != nil {
			t.Fatal(err)
		}
		st, err := s.LoadChatState(ctx, tx, acc.ID, ch, addr)
		if err != nil {
			t.Fatal(err)
		}
		if !st.InboxOpen || st.Session != nil || st.Follower != nil {
			t.Fatalf("state after the message: %+v", st)
		}
		last, err := s.LastInbounds(ctx, acc.ID, ch, []string{addr, "nobody"})
		// PostgreSQL keeps microseconds.
		if err != nil || len(last) != 1 || last[addr].Sub(in.CreatedAt).Abs() > time.Millisecond {
			t.Fatalf("last inbounds: %v %v (want %s)", last, err, in.CreatedAt)
		}
		owner := f.Member(models.RoleOwner)
		list, total, err := s.Inbox(ctx, owner, acc, models.InboxFilter{Q: "lift"})
		if err != nil || total != 1 || len(list) != 1 || list[0].Unread != 1 || list[0].Preview != "Is the lift fixed?" {
			t.Fatalf("inbox: %+v %d %v", list, total, err)
		}
		thread, err := s.Thread(ctx, &list[0], 0)
		if err != nil || len(thread) != 2 || thread[0].Direction != "in" || thread[1].Body != out.Body {
			t.Fatalf("thread: %+v %v", thread, err)
		}

		if err := s.SaveChatSession(ctx, tx, &models.ChatSession{AccountID: acc.ID, Channel: ch, Address: addr, Flow: "feedback", State: "{}"}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if st, err := s.LoadChatState(ctx, tx, acc.ID, ch, addr); err != nil || st.Session == nil || st.Session.Flow != "feedback" {
			t.Fatalf("state with a session: %+v %v", st, err)
		}
		if err := s.EndChatSession(ctx, tx, acc.ID, ch, addr); err != nil {
			t.Fatal(err)
		}
		if st, err := s.LoadChatState(ctx, tx, acc.ID, ch, addr); err != nil || st.Session != nil {
			t.Fatalf("state after the session: %+v %v", st, err)
		}
	})
}

// TestStaffAnswer: a reply is stored as the staff member's and answers
// the conversation; only a member of the organization may be assigned it.
func TestStaffAnswer(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := t.Context()
		s, acc, mod := a.Chats, f.Account, f.Member(models.RoleOwner)
		in := &models.ChatMessage{AccountID: acc.ID, Channel: models.ChannelTelegram, Address: "42", Kind: "text", Body: "Hello?"}
		if _, err := s.RecordTurn(ctx, a.Store.Core, in, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchConversation(ctx, a.Store.Core, in, true); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.Inbox(ctx, mod, acc, models.InboxFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("inbox: %v %v", list, err)
		}
		conv, err := s.ConversationByID(ctx, mod, acc, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ValidateReply(ctx, mod, conv, " \t"); err == nil {
			t.Fatal("an empty reply passed")
		}
		text, err := s.ValidateReply(ctx, mod, conv, "  On its way. ")
		if err != nil || text != "On its way." {
			t.Fatalf("validate: %q %v", text, err)
		}
		msg, err := s.RecordStaffReply(ctx, mod, conv, text)
		if err != nil || msg.UserID == nil || *msg.UserID != mod.User.ID {
			t.Fatalf("reply: %+v %v", msg, err)
		}
		if conv, err = s.ConversationByID(ctx, mod, acc, conv.ID); err != nil || conv.Unread != 0 || conv.Status != models.ConversationOpen {
			t.Fatalf("after the reply: %+v %v", conv, err)
		}
		if err := s.AssignConversation(ctx, mod, acc, conv, f.Outside.ID); err == nil {
			t.Fatal("assigned to someone outside the organization")
		}
		if err := s.AssignConversation(ctx, mod, acc, conv, mod.User.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConversationStatus(ctx, mod, acc, conv, models.ConversationClosed); err != nil {
			t.Fatal(err)
		}
		mine, _, err := s.Inbox(ctx, mod, acc, models.InboxFilter{Status: "mine"})
		if err != nil || len(mine) != 1 || mine[0].AssigneeName == "" || mine[0].Status != models.ConversationClosed {
			t.Fatalf("mine: %+v %v", mine, err)
		}
	})
}

// TestTurnTouchingIsRecordedOnce: what the router records for a message,
// in one statement on PostgreSQL, gives what RecordTurn and
// TouchConversation give: a retry is told apart and changes nothing, a
// command leaves the conversation closed, a message for the staff opens
// it and counts as unread.
func TestTurnTouchingIsRecordedOnce(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := t.Context()
		s, tx, acc := a.Chats, a.Store.Core, f.Account
		const ch, addr = models.ChannelWebhook, "person-2"
		owner := f.Member(models.RoleOwner)
		conversation := func() models.Conversation {
			t.Helper()
			list, _, err := s.Inbox(ctx, owner, acc, models.InboxFilter{Status: "all"})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				if c.Address == addr {
					return c
				}
			}
			t.Fatalf("no conversation for %s in %+v", addr, list)
			return models.Conversation{}
		}
		msg := func(id, body string) *models.ChatMessage {
			return &models.ChatMessage{AccountID: acc.ID, Channel: ch, Address: addr, MsgID: &id, Kind: "text", Body: body}
		}
		reply := models.ChatMessage{AccountID: acc.ID, Channel: ch, Address: addr, Kind: "text", Body: "Fares: 2 yuan."}
		help := msg("m-1", "fare")
		if dup, err := s.RecordTurnTouching(ctx, tx, help, []models.ChatMessage{reply}, false); err != nil || dup || help.ID == 0 {
			t.Fatalf("command: dup %v, id %d, %v", dup, help.ID, err)
		}
		if c := conversation(); c.Status != models.ConversationClosed || c.Unread != 0 || c.Preview != "fare" {
			t.Fatalf("after a command: %+v", c)
		}
		question := msg("m-2", "Is the lift fixed?")
		if dup, err := s.RecordTurnTouching(ctx, tx, question, nil, true); err != nil || dup {
			t.Fatalf("question: dup %v, %v", dup, err)
		}
		if c := conversation(); c.Status != models.ConversationOpen || c.Unread != 1 || c.Preview != "Is the lift fixed?" {
			t.Fatalf("after a question: %+v", c)
		}
		if dup, err := s.RecordTurnTouching(ctx, tx, msg("m-2", "Is the lift fixed?"), []models.ChatMessage{reply}, true); err != nil || !dup {
			t.Fatalf("retry: dup %v, %v", dup, err)
		}
		var stored int64
		a.Store.DB().Model(&models.ChatMessage{}).Where("account_id = ? AND address = ?", acc.ID, addr).Count(&stored)
		// The retry is told apart and the conversation left alone; its
		// reply went in (the router's rollback undoes it; here nothing
		// rolls back).
		if c := conversation(); c.Unread != 1 || stored != 4 {
			t.Fatalf("after the retry: %+v, %d messages", c, stored)
		}
	})
}
