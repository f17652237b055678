package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// chatSettings is the studio page of an account's chat channels: WeChat
// and Telegram credentials, the URLs to paste into each platform, the
// welcome message and keyword replies.
type chatSettings struct {
	store    *models.Store
	chats    *chat.Service
	baseURL  string
	channels map[string]ChatChannel
	log      *slog.Logger
}

// platformTimeout bounds a call the studio makes to a chat platform while
// staff wait for the page.
const platformTimeout = 10 * time.Second

// webhookConnector is a channel that can point the platform's webhook at
// Plaza itself (Telegram's setWebhook).
type webhookConnector interface {
	Connect(ctx context.Context, s *models.ChatSettings, url string) error
}

func registerChat(acc accountRoutes, s *studio) {
	h := &chatSettings{store: s.store, chats: s.chats, baseURL: strings.TrimRight(s.baseURL, "/"), channels: s.chat, log: s.log}
	write := need(models.PermWrite)
	acc.GET("/chat", h.show, write)
	acc.POST("/chat/wechat", h.saveWeChat, write)
	acc.POST("/chat/telegram", h.saveTelegram, write)
	for _, ch := range []string{models.ChannelWeChat, models.ChannelTelegram, models.ChannelWebhook} {
		acc.POST("/chat/"+ch+"/test", h.tester(ch), write)
	}
	acc.POST("/chat/telegram/connect", h.connectTelegram, write)
	acc.POST("/chat/welcome", h.saveWelcome, write)
	acc.POST("/chat/keywords", h.addKeyword, write)
	acc.POST("/chat/keywords/:id/delete", h.deleteKeyword, write)
}

// form loads everything the page shows; the caller overrides what the
// person just submitted.
func (h *chatSettings) form(c echo.Context, m *models.Member, a *models.Account) (*templates.ChatForm, error) {
	ctx := c.Request().Context()
	wx, err := h.store.ChatSettingsFor(ctx, m, a, models.ChannelWeChat)
	if err != nil {
		return nil, err
	}
	tg, err := h.store.ChatSettingsFor(ctx, m, a, models.ChannelTelegram)
	if err != nil {
		return nil, err
	}
	kws, err := h.chats.ChatKeywords(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return &templates.ChatForm{WeChat: *wx, Telegram: *tg, Keywords: kws, WelcomeEn: a.ChatWelcomeEn, WelcomeZh: a.ChatWelcomeZh,
		WeChatURL: h.baseURL + "/bridge/wechat/" + a.Handle, TelegramURL: h.baseURL + "/bridge/telegram/" + a.Handle,
		WebhookURL: h.baseURL + "/bridge/webhook/" + a.Handle, Errors: map[string]string{}}, nil
}

func (h *chatSettings) show(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f, err := h.form(c, m, a)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ChatPage(m, a, *f))
}

// invalid shows the page again with the errors of the form that failed,
// keeping what was typed.
func (h *chatSettings) invalid(c echo.Context, m *models.Member, a *models.Account, err error, keep func(*templates.ChatForm)) error {
	v, ok := models.AsValidation(err)
	if !ok {
		return err
	}
	f, ferr := h.form(c, m, a)
	if ferr != nil {
		return ferr
	}
	f.Errors = v.Fields
	keep(f)
	return render(c, http.StatusUnprocessableEntity, templates.ChatPage(m, a, *f))
}

func (h *chatSettings) saveWeChat(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	in := models.ChatSettings{Channel: models.ChannelWeChat, Enabled: c.FormValue("enabled") == "on", AppID: c.FormValue("app_id"),
		AppSecret: c.FormValue("app_secret"), Token: c.FormValue("token"), AESKey: c.FormValue("aes_key"),
		SafeMode: c.FormValue("safe_mode") == "on", TemplateID: c.FormValue("template_id")}
	if err := h.store.SaveChatSettings(c.Request().Context(), m, a, in); err != nil {
		return h.invalid(c, m, a, err, func(f *templates.ChatForm) {
			in.AppSecret, in.SecretsWithheld = "", f.WeChat.SecretsWithheld
			f.WeChat, f.Form = in, "wechat"
		})
	}
	return redirect(c, paths.Chat(m.Org.ID, a.Handle), "chat.saved")
}

func (h *chatSettings) saveTelegram(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	in := models.ChatSettings{Channel: models.ChannelTelegram, Enabled: c.FormValue("enabled") == "on",
		BotToken: c.FormValue("bot_token"), SecretToken: c.FormValue("secret_token"), BotName: c.FormValue("bot_name")}
	if err := h.store.SaveChatSettings(c.Request().Context(), m, a, in); err != nil {
		return h.invalid(c, m, a, err, func(f *templates.ChatForm) {
			in.BotToken, in.SecretsWithheld = "", f.Telegram.SecretsWithheld
			f.Telegram, f.Form = in, "telegram"
		})
	}
	return redirect(c, paths.Chat(m.Org.ID, a.Handle), "chat.saved")
}

// tester checks the saved credentials of channel name against the
// platform and shows what it said.
func (h *chatSettings) tester(name string) echo.HandlerFunc {
	return func(c echo.Context) error { return h.test(c, name) }
}

func (h *chatSettings) test(c echo.Context, name string) error {
	m, a := member(c), studioAccount(c)
	ch := h.channels[name]
	if ch == nil {
		return models.ErrNotFound
	}
	ctx := c.Request().Context()
	s := &models.ChatSettings{AccountID: a.ID, Channel: name}
	if name != models.ChannelWebhook {
		creds, err := h.store.ChatCredentials(ctx, m, a, name)
		if err != nil {
			return err
		}
		s = creds
	}
	f, err := h.form(c, m, a)
	if err != nil {
		return err
	}
	f.Test = &templates.ChatTest{Channel: name}
	cctx, cancel := context.WithTimeout(ctx, platformTimeout)
	defer cancel()
	who, terr := ch.TestConnection(cctx, s)
	if terr != nil {
		f.Test.Problem, f.Test.ProblemArgs = platformProblem(h.log, c, name+" connection test", terr)
	} else {
		f.Test.OK, f.Test.Who = true, who
	}
	return render(c, http.StatusOK, templates.ChatPage(m, a, *f))
}

// connectTelegram points the bot's webhook at this Plaza with the secret
// token, so staff need not call setWebhook themselves.
func (h *chatSettings) connectTelegram(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	s, err := h.store.ChatCredentials(ctx, m, a, models.ChannelTelegram)
	if err != nil {
		return err
	}
	f, err := h.form(c, m, a)
	if err != nil {
		return err
	}
	f.Test = &templates.ChatTest{Channel: models.ChannelTelegram, Connect: true}
	conn, ok := h.channels[models.ChannelTelegram].(webhookConnector)
	if !ok {
		return models.ErrNotFound
	}
	cctx, cancel := context.WithTimeout(ctx, platformTimeout)
	defer cancel()
	if err := conn.Connect(cctx, s, f.TelegramURL); err != nil {
		f.Test.Problem, f.Test.ProblemArgs = platformProblem(h.log, c, "telegram setWebhook", err)
	} else {
		f.Test.OK, f.Test.Who = true, f.TelegramURL
	}
	return render(c, http.StatusOK, templates.ChatPage(m, a, *f))
}

func (h *chatSettings) saveWelcome(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	en, zh := c.FormValue("welcome_en"), c.FormValue("welcome_zh")
	if err := h.chats.SetChatWelcome(c.Request().Context(), m, a, en, zh); err != nil {
		return h.invalid(c, m, a, err, func(f *templates.ChatForm) { f.WelcomeEn, f.WelcomeZh, f.Form = en, zh, "welcome" })
	}
	return redirect(c, paths.Chat(m.Org.ID, a.Handle), "chat.saved")
}

func (h *chatSettings) addKeyword(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	k := models.ChatKeyword{Keyword: c.FormValue("keyword"), Match: c.FormValue("match"), Lang: c.FormValue("lang"), Reply: c.FormValue("reply")}
	if err := h.chats.AddChatKeyword(c.Request().Context(), m, a, k); err != nil {
		return h.invalid(c, m, a, err, func(f *templates.ChatForm) { f.NewKeyword, f.Form = k, "keyword" })
	}
	return redirect(c, paths.Chat(m.Org.ID, a.Handle)+"#keywords", "chat.keyword_added")
}

func (h *chatSettings) deleteKeyword(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := h.chats.DeleteChatKeyword(c.Request().Context(), m, a, id); err != nil {
		return err
	}
	return redirect(c, paths.Chat(m.Org.ID, a.Handle)+"#keywords", "chat.keyword_deleted")
}
