package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// inbox is the studio area where staff read and answer what people wrote
// on chat channels.
type inbox struct {
	store *models.Store
	chats *chat.Service
	orgs  *org.Service
	// followers says who the person is: name, tags, follow history.
	followers *follower.Service
	channels  map[string]bridge.Channel
	log       *slog.Logger
}

func registerInbox(acc accountRoutes, s *studio) {
	h := &inbox{store: s.store, chats: s.chats, orgs: s.orgs, followers: s.followers, channels: s.chat, log: s.log}
	mod := need(models.PermModerate)
	acc.GET("/inbox", h.list, mod)
	acc.GET("/inbox/replies", h.savedReplies, mod)
	acc.POST("/inbox/replies", h.addSavedReply, mod)
	acc.POST("/inbox/replies/:reply/delete", h.deleteSavedReply, mod)
	acc.GET("/inbox/:id", h.show, mod)
	acc.POST("/inbox/:id/saved", h.useSavedReply, mod)
	acc.GET("/inbox/:id/messages", h.poll, mod)
	acc.POST("/inbox/:id/reply", h.reply, mod)
	acc.POST("/inbox/:id/assign", h.assign, mod)
	acc.POST("/inbox/:id/status", h.status, mod)
}

func (h *inbox) conversation(c echo.Context) (*models.Member, *models.Account, *models.Conversation, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	conv, err := h.chats.ConversationByID(c.Request().Context(), m, a, id)
	return m, a, conv, err
}

func (h *inbox) list(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f := models.InboxFilter{Status: c.QueryParam("status"), Q: strings.TrimSpace(c.QueryParam("q")), Page: pageParam(c)}
	switch f.Status {
	case "open", "closed", "mine", "all":
	default:
		f.Status = "open"
	}
	if len([]rune(f.Q)) > 100 {
		f.Q = string([]rune(f.Q)[:100])
	}
	list, total, err := h.chats.Inbox(c.Request().Context(), m, a, f)
	if err != nil {
		return err
	}
	q := url.Values{"status": {f.Status}}
	if f.Q != "" {
		q.Set("q", f.Q)
	}
	pager := templates.Pager{Page: f.Page.Number, Size: f.Page.Limit(), Total: total,
		BaseURL: paths.Inbox(m.Org.ID, a.Handle) + "?" + q.Encode()}
	return render(c, http.StatusOK, templates.InboxPage(m, a, f, list, pager, h.store.Now()))
}

// threadPage renders a conversation with a reply form in the given state.
func (h *inbox) threadPage(c echo.Context, status int, m *models.Member, a *models.Account, conv *models.Conversation, reply templates.ReplyForm) error {
	ctx := c.Request().Context()
	msgs, err := h.chats.Thread(ctx, conv, 0)
	if err != nil {
		return err
	}
	staff, err := h.orgs.Staff(ctx, m)
	if err != nil {
		return err
	}
	if err := h.chats.MarkConversationRead(ctx, conv); err != nil {
		return err
	}
	person, err := h.person(ctx, m, a, conv)
	if err != nil {
		return err
	}
	if reply.Saved, err = h.chats.SavedReplies(ctx, m, a); err != nil {
		return err
	}
	return render(c, status, templates.ConversationPage(m, a, conv, msgs, staff, reply, person, h.store.Now()))
}

// person is the follower record behind a conversation, if there is one,
// with its follow history; a person who wrote without following has none.
func (h *inbox) person(ctx context.Context, m *models.Member, a *models.Account, conv *models.Conversation) (templates.InboxPerson, error) {
	if conv.FollowerID == nil {
		return templates.InboxPerson{}, nil
	}
	f, err := h.followers.FollowerForStaff(ctx, m, a, *conv.FollowerID)
	if errors.Is(err, models.ErrNotFound) {
		// Erased since: the conversation stays, the person is unknown.
		return templates.InboxPerson{}, nil
	}
	if err != nil {
		return templates.InboxPerson{}, err
	}
	events, err := h.followers.FollowerEvents(ctx, m, a, f.ID)
	if err != nil {
		return templates.InboxPerson{}, err
	}
	return templates.InboxPerson{Follower: f, Events: events}, nil
}

func (h *inbox) show(c echo.Context) error {
	m, a, conv, err := h.conversation(c)
	if err != nil {
		return err
	}
	return h.threadPage(c, http.StatusOK, m, a, conv, templates.ReplyForm{})
}

// poll returns the messages after the last one shown, for the thread's
// live update, followed by the next poller.
func (h *inbox) poll(c echo.Context) error {
	m, a, conv, err := h.conversation(c)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	ctx := c.Request().Context()
	msgs, err := h.chats.Thread(ctx, conv, max(after, 0))
	if err != nil {
		return err
	}
	if len(msgs) > 0 {
		if err := h.chats.MarkConversationRead(ctx, conv); err != nil {
			return err
		}
	}
	return render(c, http.StatusOK, templates.ThreadUpdate(m, a, conv, msgs, after))
}

// replyTimeout bounds the call to the chat platform.
const replyTimeout = 15 * time.Second

func (h *inbox) reply(c echo.Context) error {
	m, a, conv, err := h.conversation(c)
	if err != nil {
		return err
	}
	raw := c.FormValue("text")
	text, err := h.chats.ValidateReply(c.Request().Context(), m, conv, raw)
	if errors.Is(err, models.ErrReplyWindow) {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Text: raw, Problem: "inbox.window_closed"})
	}
	if errors.Is(err, models.ErrOptedOut) {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Text: raw, Problem: "inbox.opted_out"})
	}
	if v, ok := models.AsValidation(err); ok {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Text: raw, Errors: v.Fields})
	}
	if err != nil {
		return err
	}
	ch := h.channels[conv.Channel]
	if ch == nil {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Text: raw, Problem: "inbox.no_channel"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), replyTimeout)
	defer cancel()
	if err := ch.Reply(ctx, a.ID, conv.Address, text); err != nil {
		// The platform refused or could not be reached: the text stays in
		// the form, with why in a few words and what to do next.
		problem := "inbox.send_failed"
		reason, args := platformProblem(h.log, c, "inbox reply", err)
		if errors.Is(err, models.ErrReplyWindow) {
			problem, reason, args = "inbox.window_closed", "", nil
		}
		return h.threadPage(c, http.StatusBadGateway, m, a, conv, templates.ReplyForm{Text: raw, Problem: problem, Reason: reason, ReasonArgs: args})
	}
	if _, err := h.chats.RecordStaffReply(c.Request().Context(), m, conv, text); err != nil {
		return err
	}
	return redirect(c, paths.Conversation(m.Org.ID, a.Handle, conv.ID), "inbox.sent")
}

func (h *inbox) assign(c echo.Context) error {
	m, a, conv, err := h.conversation(c)
	if err != nil {
		return err
	}
	uid, _ := strconv.ParseInt(c.FormValue("assignee"), 10, 64)
	err = h.chats.AssignConversation(c.Request().Context(), m, a, conv, max(uid, 0))
	if v, ok := models.AsValidation(err); ok {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Errors: v.Fields})
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Conversation(m.Org.ID, a.Handle, conv.ID), "inbox.assigned")
}

func (h *inbox) status(c echo.Context) error {
	m, a, conv, err := h.conversation(c)
	if err != nil {
		return err
	}
	st := c.FormValue("status")
	err = h.chats.SetConversationStatus(c.Request().Context(), m, a, conv, st)
	if v, ok := models.AsValidation(err); ok {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Errors: v.Fields})
	}
	if err != nil {
		return err
	}
	if st == models.ConversationClosed {
		return redirect(c, paths.Inbox(m.Org.ID, a.Handle), "inbox.closed")
	}
	return redirect(c, paths.Conversation(m.Org.ID, a.Handle, conv.ID), "inbox.reopened")
}

// savedRepliesPage lists the account's saved replies with the form that
// adds one, in the given state.
func (h *inbox) savedRepliesPage(c echo.Context, status int, form templates.SavedReplyForm) error {
	m, a := member(c), studioAccount(c)
	list, err := h.chats.SavedReplies(c.Request().Context(), m, a)
	if err != nil {
		return err
	}
	return render(c, status, templates.SavedRepliesPage(m, a, list, form))
}

func (h *inbox) savedReplies(c echo.Context) error {
	return h.savedRepliesPage(c, http.StatusOK, templates.SavedReplyForm{})
}

func (h *inbox) addSavedReply(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	form := templates.SavedReplyForm{Title: c.FormValue("title"), Body: c.FormValue("body")}
	_, err := h.chats.AddSavedReply(c.Request().Context(), m, a, form.Title, form.Body)
	if v, ok := models.AsValidation(err); ok {
		form.Errors = v.Fields
		return h.savedRepliesPage(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Inbox(m.Org.ID, a.Handle)+"/replies", "inbox.saved_added")
}

func (h *inbox) deleteSavedReply(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "reply")
	if err != nil {
		return err
	}
	if err := h.chats.DeleteSavedReply(c.Request().Context(), m, a, id); err != nil {
		return err
	}
	return redirect(c, paths.Inbox(m.Org.ID, a.Handle)+"/replies", "inbox.saved_deleted")
}

// useSavedReply puts a saved reply in the reply box, where staff can
// change it before sending: the way without JavaScript (with it, the
// list fills the box as soon as one is chosen).
func (h *inbox) useSavedReply(c echo.Context) error {
	m, a, conv, err := h.conversation(c)
	if err != nil {
		return err
	}
	// None chosen, or one that is not (or no longer) the account's: the
	// box keeps what was typed.
	unchosen := func() error {
		return h.threadPage(c, http.StatusUnprocessableEntity, m, a, conv, templates.ReplyForm{Text: c.FormValue("text"),
			Errors: map[string]string{"reply": "err.choose_one"}})
	}
	id, err := strconv.ParseInt(c.FormValue("reply"), 10, 64)
	if err != nil || id <= 0 {
		return unchosen()
	}
	r, err := h.chats.SavedReply(c.Request().Context(), m, a, id)
	if errors.Is(err, models.ErrNotFound) {
		return unchosen()
	}
	if err != nil {
		return err
	}
	return h.threadPage(c, http.StatusOK, m, a, conv, templates.ReplyForm{Text: r.Body})
}
