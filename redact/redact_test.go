package redact_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/outbound"
	"github.com/plazahq/plaza/redact"
)

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

type endpoints struct{ url string }

func (e endpoints) WebhookEndpoint(context.Context, int64) (string, []byte, error) {
	return e.url, []byte("signing-key"), nil
}

type tokens struct{}

func (tokens) AccessToken(ctx context.Context, _, _ string, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	tok, _, err := fetch(ctx)
	return tok, err
}

const (
	appSecret = "0c79e1fa963cd80cc0be99b20a18faeb"
	botToken  = "123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo"
	smtpPass  = "mail-pa55word"
)

// TestRedactClientErrors runs each client Plaza has against a port that
// refuses, so each fails with its real error, and checks that the log
// line built from it keeps what helps (which call, why) and none of the
// secrets.
func TestRedactClientErrors(t *testing.T) {
	ctx := context.Background()
	base := closedURL(t)
	loopback, err := outbound.ParsePolicy(outbound.Loopback)
	if err != nil {
		t.Fatal(err)
	}
	feed := outbound.NewClient(loopback)
	tests := []struct {
		name   string
		err    func() error
		secret string
		keep   string
	}{
		{"WeChat token fetch", func() error {
			_, _, err := wechat.NewClient(base, nil, tokens{}).FetchToken(ctx, wechat.Credentials{AppID: "wx1", AppSecret: appSecret})
			return err
		}, appSecret, "/cgi-bin/token"},
		{"WeChat API call with an access token", func() error {
			return wechat.NewClient(base, nil, staticToken("ACCESS_TOKEN_0123456789")).SendText(ctx, wechat.Credentials{AppID: "wx1", AppSecret: appSecret}, "oA", "hi")
		}, "ACCESS_TOKEN_0123456789", "/cgi-bin/message/custom/send"},
		{"Telegram Bot API", func() error {
			return telegram.NewClient(base, nil).SendMessage(ctx, botToken, "42", "hi")
		}, botToken, "sendMessage"},
		{"a Bot API URL in a transport error", func() error {
			_, err := http.Post(base+"/bot"+botToken+"/getMe", "application/json", nil)
			return err
		}, botToken, "/bot"},
		{"webhook with a token in its URL", func() error {
			_, err := webhook.New(endpoints{base + "/hook?token=hook-secret-77"}, feed).TestConnection(ctx, &bridge.Settings{AccountID: 1})
			return errors.Unwrap(err)
		}, "hook-secret-77", "webhook"},
		{"alert feed with a key in its URL", func() error {
			_, err := feed.Get(base + "/alerts.pb?api_key=feed-key-42&route=12")
			return err
		}, "feed-key-42", "route=12"},
		{"SMTP URL with a password", func() error {
			_, err := mailer.NewSender("smtp://alerts:"+smtpPass+"@mail.example.org:bad", 0, nil)
			return err
		}, smtpPass, "mail.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil {
				t.Fatal("the call did not fail")
			}
			got := redact.Error(err)
			if strings.Contains(got, tt.secret) || !strings.Contains(got, tt.keep) {
				t.Fatalf("redact(%q) = %q", err, got)
			}
		})
	}
}

type staticToken string

func (s staticToken) AccessToken(context.Context, string, string, func(context.Context) (string, time.Duration, error)) (string, error) {
	return string(s), nil
}

func TestRedactString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Get "https://api.weixin.qq.com/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=abc123": EOF`,
			`Get "https://api.weixin.qq.com/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=[REDACTED]": EOF`},
		{`Post "https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=TOK%2Fx": timeout`,
			`Post "https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=[REDACTED]": timeout`},
		{`Post "https://api.telegram.org/bot123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo/sendMessage": EOF`,
			`Post "https://api.telegram.org/bot[REDACTED]/sendMessage": EOF`},
		{`token 123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo refused`, `token [REDACTED] refused`},
		{`Authorization: Bearer plz_abcdef0123`, `Authorization: Bearer [REDACTED]`},
		{`header map[Authorization:[Basic dXNlcjpwYXNz] Accept:[*/*]]`, `header map[Authorization:[Basic [REDACTED]] Accept:[*/*]]`},
		{`smtp url "smtp://user:hunter2@mail.example.org:587"`, `smtp url "smtp://user:[REDACTED]@mail.example.org:587"`},
		{`{"access_token":"abc","expires_in":7200}`, `{"access_token":"[REDACTED]","expires_in":7200}`},
		{`wechat /cgi-bin/token: HTTP 502`, `wechat /cgi-bin/token: HTTP 502`},
		{`https://example.org/feed?route=12&lang=en`, `https://example.org/feed?route=12&lang=en`},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
