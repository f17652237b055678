package telegram_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
)

func TestParseUpdate(t *testing.T) {
	msg := func(text string) string {
		return `{"update_id":10,"message":{"message_id":1,"from":{"id":42,"is_bot":false,"first_name":"Li","language_code":"zh-hans"},` +
			`"chat":{"id":42,"type":"private","first_name":"Li"},"date":1700000000,"text":` + text + `}}`
	}
	tests := []struct {
		name, body  string
		kind, text  string
		scene, lang string
	}{
		{"text", msg(`"when is the next bus?"`), bridge.KindText, "when is the next bus?", "", "zh-hans"},
		{"start with a code", msg(`"/start stop-12"`), bridge.KindFollow, "", "stop-12", "zh-hans"},
		{"start alone", msg(`"/start"`), bridge.KindFollow, "", "", "zh-hans"},
		{"start with the bot's name", msg(`"/start@PlazaBot"`), bridge.KindFollow, "", "", "zh-hans"},
		{"stop", msg(`"/stop"`), bridge.KindText, "stop", "", "zh-hans"},
		{"another command", msg(`"/help now"`), bridge.KindText, "help now", "", "zh-hans"},
		{"blocked the bot", `{"update_id":11,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Li"},` +
			`"date":1,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`, bridge.KindUnfollow, "", "", ""},
		{"location", `{"update_id":12,"message":{"message_id":2,"chat":{"id":42,"type":"private"},"date":1,"location":{"latitude":22.3,"longitude":114.2}}}`,
			bridge.KindMedia, "[location] 22.3,114.2", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := telegram.ParseUpdate([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tt.kind || in.Text != tt.text || in.Scene != tt.scene || in.Lang != tt.lang || in.From != "42" || in.Channel != "telegram" {
				t.Fatalf("got %+v", in)
			}
		})
	}
	in, err := telegram.ParseUpdate([]byte(`{"update_id":16,"message":{"message_id":4,"chat":{"id":42,"type":"private"},"date":1,"location":{"latitude":22.3104,"longitude":114.1102}}}`))
	if err != nil || in.Location == nil || *in.Location != (bridge.Location{Lat: 22.3104, Lon: 114.1102}) {
		t.Fatalf("location: %+v, %v", in.Location, err)
	}
	ignored := []string{
		`{"update_id":13,"message":{"message_id":3,"chat":{"id":-100,"type":"group"},"date":1,"text":"hi"}}`,
		`{"update_id":14,"edited_message":{"message_id":3,"chat":{"id":42,"type":"private"},"date":1,"text":"hi"}}`,
		`{"update_id":15,"message":{"message_id":3,"chat":{"id":42,"type":"private"},"date":1,"sticker":{}}}`,
	}
	for _, b := range ignored {
		if _, err := telegram.ParseUpdate([]byte(b)); !errors.Is(err, telegram.ErrIgnored) {
			t.Fatalf("%s: want ignored, got %v", b, err)
		}
	}
	for _, b := range []string{"", "[]", `{"update_id":0}`, `{"update_id":"x"}`, "{"} {
		if _, err := telegram.ParseUpdate([]byte(b)); !errors.Is(err, telegram.ErrMalformed) {
			t.Fatalf("%q: want malformed, got %v", b, err)
		}
	}
}

func TestClient(t *testing.T) {
	api := telegramtest.NewAPI("123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo", "PlazaBot")
	defer api.Close()
	cl := telegram.NewClient(api.URL, nil)
	ctx := context.Background()
	if b, err := cl.GetMe(ctx, api.Token); err != nil || b.Username != "PlazaBot" {
		t.Fatalf("getMe: %+v %v", b, err)
	}
	var e *telegram.APIError
	if _, err := cl.GetMe(ctx, "123456:wrong"); !errors.As(err, &e) || e.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %v", err)
	}
	if err := cl.SetWebhook(ctx, api.Token, "https://plaza.example.org/bridge/telegram/metro", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if u, s := api.Webhook(); u != "https://plaza.example.org/bridge/telegram/metro" || s != "s3cret" {
		t.Fatalf("webhook %q %q", u, s)
	}
	api.Flood(1, 3)
	err := cl.SendMessage(ctx, api.Token, "42", "hello")
	if !errors.As(err, &e) || e.Code != 429 || e.RetryAfter != 3*time.Second {
		t.Fatalf("flood: %v", err)
	}
	if err := cl.SendMessage(ctx, api.Token, "42", "hello"); err != nil {
		t.Fatal(err)
	}
	api.Block("43")
	if err := cl.SendMessage(ctx, api.Token, "43", "hello"); !telegram.Blocked(err) {
		t.Fatalf("blocked: %v", err)
	}
	if s := api.Sent(); len(s) != 1 || s[0].ChatID != "42" || s[0].Text != "hello" {
		t.Fatalf("sent %+v", s)
	}
}

func FuzzParseUpdate(f *testing.F) {
	f.Add([]byte(`{"update_id":10,"message":{"message_id":1,"chat":{"id":42,"type":"private"},"date":1,"text":"/start x"}}`))
	f.Add([]byte(`{"update_id":11,"my_chat_member":{"chat":{"id":42,"type":"private"},"new_chat_member":{"status":"kicked"}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := telegram.ParseUpdate(body)
		if err != nil {
			return
		}
		if in.From == "" || in.Kind == "" || in.MsgID == "" || len(in.Scene) > 64 {
			t.Fatalf("accepted an update without sender, kind or id: %+v", in)
		}
	})
}
