package handlers

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// chatSettings is the studio page of an account's chat channels: each
// registered channel's settings, drawn from its schema, the URLs to paste
// into each platform, the welcome message and keyword replies.
type chatSettings struct {
	store    *models.Store
	chats    *chat.Service
	settings *channel.Service
	channels *bridge.Registry
	baseURL  string
	log      *slog.Logger
}

// platformTimeout bounds a call the studio makes to a chat platform while
// staff wait for the page.
const platformTimeout = 10 * time.Second

func registerChat(acc accountRoutes, s *studio) {
	h := &chatSettings{store: s.store, chats: s.chats, settings: s.channelSettings, channels: s.channels, baseURL: strings.TrimRight(s.baseURL, "/"), log: s.log}
	write := need(models.PermWrite)
	acc.GET("/chat", h.show, write)
	for _, ch := range h.channels.Channels() {
		if ch.Schema().Settable() {
			acc.POST("/chat/"+ch.Name(), h.saver(ch), write)
		}
		acc.POST("/chat/"+ch.Name()+"/test", h.tester(ch), write)
		if _, ok := ch.(bridge.Connector); ok {
			acc.POST("/chat/"+ch.Name()+"/connect", h.connector(ch), write)
		}
	}
	acc.POST("/chat/welcome", h.saveWelcome, write)
	acc.POST("/chat/keywords", h.addKeyword, write)
	acc.POST("/chat/keywords/:id/delete", h.deleteKeyword, write)
}

// form loads everything the page shows; the caller overrides what the
// person just submitted.
func (h *chatSettings) form(c echo.Context, m *models.Member, a *models.Account) (*templates.ChatForm, error) {
	ctx := c.Request().Context()
	f := &templates.ChatForm{Welcome: map[string]string{}, Errors: map[string]string{}}
	for _, l := range a.LangList() {
		f.Welcome[l] = a.Translations.Get(l, "welcome")
	}
	for _, ch := range h.channels.Channels() {
		sc := ch.Schema()
		p := templates.ChannelPanel{Name: ch.Name(), Title: cmp.Or(sc.Title, "channel."+ch.Name()), Hint: sc.Hint, Schema: sc}
		if _, ok := ch.(bridge.Receiver); ok {
			p.URL = h.baseURL + "/bridge/" + ch.Name() + "/" + a.Handle
		}
		if !sc.Settable() {
			p.SettingsURL = paths.Delivery(m.Org.ID, a.Handle)
		} else {
			s, err := h.settings.For(ctx, m, a, ch.Name(), sc)
			if err != nil {
				return nil, err
			}
			p.Settings = *s
			_, p.Connect = ch.(bridge.Connector)
			if fc, ok := ch.(bridge.Facter); ok {
				for _, fact := range fc.Facts(s) {
					p.Facts = append(p.Facts, templates.Fact{Label: fact.Label, Value: fact.Value})
				}
			}
		}
		f.Channels = append(f.Channels, p)
	}
	kws, err := h.chats.ChatKeywords(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	f.Keywords = kws
	f.Langs = models.AccountLangs(a)
	return f, nil
}

// panel is the form's panel of channel name.
func panel(f *templates.ChatForm, name string) *templates.ChannelPanel {
	for i := range f.Channels {
		if f.Channels[i].Name == name {
			return &f.Channels[i]
		}
	}
	return nil
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

// saver stores the settings of channel ch from its form.
func (h *chatSettings) saver(ch bridge.Channel) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, a := member(c), studioAccount(c)
		sc := ch.Schema()
		in := bridge.Settings{Enabled: c.FormValue("enabled") == "on", Values: channel.FromForm(sc, c.FormValue)}
		if err := h.settings.Save(c.Request().Context(), m, a, ch.Name(), sc, in); err != nil {
			return h.invalid(c, m, a, err, func(f *templates.ChatForm) {
				p := panel(f, ch.Name())
				// What was typed stays, but never a write-only secret, and
				// the secrets withheld stay withheld.
				for _, fd := range sc.Fields {
					if fd.WriteOnly {
						delete(in.Values, fd.Name)
					}
				}
				in.SecretsWithheld = p.Settings.SecretsWithheld
				p.Settings = in
				f.Form = ch.Name()
			})
		}
		return redirect(c, paths.Chat(m.Org.ID, a.Handle), "chat.saved")
	}
}

// tester checks the saved settings of channel ch against the platform and
// shows what it said.
func (h *chatSettings) tester(ch bridge.Channel) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, a := member(c), studioAccount(c)
		ctx := c.Request().Context()
		s := &bridge.Settings{AccountID: a.ID, Channel: ch.Name()}
		if len(ch.Schema().Fields) > 0 {
			creds, err := h.settings.Credentials(ctx, m, a, ch.Name())
			if err != nil {
				return err
			}
			s = creds
		}
		cctx, cancel := context.WithTimeout(ctx, platformTimeout)
		defer cancel()
		who, terr := ch.TestConnection(cctx, s)
		if l, ok := ch.(bridge.Learner); ok && terr == nil && l.Learn(s, who) {
			if err := h.settings.Save(ctx, m, a, ch.Name(), ch.Schema(), *s); err != nil {
				return err
			}
		}
		f, err := h.form(c, m, a)
		if err != nil {
			return err
		}
		f.Test = &templates.ChatTest{Channel: ch.Name()}
		if terr != nil {
			f.Test.Problem, f.Test.ProblemArgs = platformProblem(h.log, c, ch.Name()+" connection test", terr)
		} else {
			f.Test.OK, f.Test.Who = true, who
		}
		return render(c, http.StatusOK, templates.ChatPage(m, a, *f))
	}
}

// connector points the platform's webhook at this Plaza (Telegram's
// setWebhook with the secret token), so staff need not do it themselves.
func (h *chatSettings) connector(ch bridge.Channel) echo.HandlerFunc {
	conn := ch.(bridge.Connector)
	return func(c echo.Context) error {
		m, a := member(c), studioAccount(c)
		ctx := c.Request().Context()
		s, err := h.settings.Credentials(ctx, m, a, ch.Name())
		if err != nil {
			return err
		}
		f, err := h.form(c, m, a)
		if err != nil {
			return err
		}
		f.Test = &templates.ChatTest{Channel: ch.Name(), Connect: true}
		url := h.baseURL + "/bridge/" + ch.Name() + "/" + a.Handle
		cctx, cancel := context.WithTimeout(ctx, platformTimeout)
		defer cancel()
		if err := conn.Connect(cctx, s, url); err != nil {
			f.Test.Problem, f.Test.ProblemArgs = platformProblem(h.log, c, ch.Name()+" setWebhook", err)
		} else {
			f.Test.OK, f.Test.Who = true, url
		}
		return render(c, http.StatusOK, templates.ChatPage(m, a, *f))
	}
}

func (h *chatSettings) saveWelcome(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	welcome := map[string]string{}
	for _, l := range a.LangList() {
		welcome[l] = c.FormValue("welcome." + l)
	}
	if err := h.chats.SetChatWelcome(c.Request().Context(), m, a, welcome); err != nil {
		return h.invalid(c, m, a, err, func(f *templates.ChatForm) { f.Welcome, f.Form = welcome, "welcome" })
	}
	return redirect(c, paths.Chat(m.Org.ID, a.Handle), "chat.saved")
}

func (h *chatSettings) addKeyword(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	k := models.ChatKeyword{Keyword: c.FormValue("keyword"), Match: c.FormValue("match"), Translations: models.Translations{}}
	// One reply per language, named reply.<tag>.
	params, err := c.FormParams()
	if err != nil {
		return err
	}
	for name, values := range params {
		if tag, ok := strings.CutPrefix(name, "reply."); ok && tag != "" && len(values) > 0 {
			k.Translations.Set(tag, models.KeywordReplyField, values[0])
		}
	}
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
