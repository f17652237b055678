package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/testchat"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// sender is the registered channel named name, or nil.
func (h *notices) sender(name string) broadcast.Channel {
	if h.senders == nil {
		return nil
	}
	for _, c := range h.senders.Senders() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// testBack is the page a test-send form was posted from: the publish
// confirmation while the notice can still be published, else the editor.
func testBack(c echo.Context, m *models.Member, a *models.Account, n *models.Notice) string {
	back := paths.Notice(m.Org.ID, a.Handle, n.ID)
	if c.FormValue("from") == "publish" && n.Editable() {
		back += "/publish"
	}
	return back
}

// testFrom is the from value forms pass on: publish or editor, nothing
// else, since it is written back into a page.
func testFrom(c echo.Context) string {
	if c.FormValue("from") == "publish" {
		return "publish"
	}
	return "editor"
}

// testSend is what "send me a test" offers m on a's notices: their
// e-mail, their linked chats, and their live code with the ways to send
// it.
func (h *notices) testSend(c echo.Context, m *models.Member, a *models.Account) (templates.TestSend, error) {
	ts := templates.TestSend{Email: m.User.Email}
	if h.testChats == nil || !m.Can(models.PermWrite) {
		return ts, nil
	}
	ctx := c.Request().Context()
	var err error
	if ts.Links, err = h.testChats.Links(ctx, m, a); err != nil {
		return ts, err
	}
	if ts.Code, err = h.testChats.LiveCode(ctx, m, a); err != nil {
		return ts, err
	}
	enabled, err := h.settings.EnabledChannels(ctx, a.ID)
	if err != nil {
		return ts, err
	}
	ts.Ways, err = followWays(ctx, h.settings, a.ID, enabled, nil, "")
	return ts, err
}

// sendTest is "send me a test": the notice as it would go out, to the
// signed-in staff member alone, at their e-mail address or in a chat
// they linked (to=chat-<id>). It comes back to the page it was asked
// from (the editor or the publish confirmation) with a line saying what
// happened; nothing typed is lost, since the notice is already saved.
func (h *notices) sendTest(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	back := testBack(c, m, a, n)
	ch, addr, sent := h.sender(models.ChannelEmail), "", "notices.test_sent"
	if to, ok := strings.CutPrefix(c.FormValue("to"), "chat-"); ok {
		id, err := strconv.ParseInt(to, 10, 64)
		if err != nil || h.testChats == nil {
			return redirect(c, back, "notices.test_no_chat")
		}
		l, err := h.testChats.Link(ctx, m, a, id)
		if errors.Is(err, models.ErrNotFound) {
			return redirect(c, back, "notices.test_no_chat")
		}
		if err != nil {
			return err
		}
		on, err := h.settings.ChannelEnabled(ctx, a.ID, l.Channel)
		if err != nil {
			return err
		}
		if ch = h.sender(l.Channel); !on || ch == nil {
			return redirect(c, back, "notices.test_chat_off")
		}
		addr, sent = l.Address, "notices.test_sent_chat"
	}
	if ch == nil {
		return redirect(c, back, "notices.test_failed")
	}
	err = h.broadcasts.SendTest(ctx, broadcast.TestSend{Member: m, Account: a, Notice: n, Channel: ch, Address: addr,
		Lang: string(templates.EnvOf(ctx).Lang), BaseURL: strings.TrimRight(h.baseURL, "/"), Loc: h.loc})
	var refused *broadcast.TestSendError
	switch {
	case errors.Is(err, broadcast.ErrTestLimit):
		return redirect(c, back, "notices.test_limit")
	case errors.As(err, &refused):
		h.log.Warn("test send refused", "notice", n.ID, "channel", ch.Name(), "reason", refused.Reason, "err", refused.Err)
		if addr != "" {
			return redirect(c, back, "notices.test_chat_failed")
		}
		return redirect(c, back, "notices.test_failed")
	case err != nil:
		return err
	}
	return redirect(c, back, sent)
}

// linkTestChat gives the staff member a code to send from a chat app,
// which links that chat for their tests; the page they come back to
// shows it.
func (h *notices) linkTestChat(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	back := testBack(c, m, a, n)
	if h.testChats == nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	_, err = h.testChats.IssueCode(c.Request().Context(), m, a)
	if errors.Is(err, testchat.ErrTooManyCodes) {
		return redirect(c, back, "notices.test_code_limit")
	}
	if err != nil {
		return err
	}
	return redirect(c, back+"#test-send-h", "")
}

// testChat is the staff member's own linked chat named in the path.
func (h *notices) testChat(c echo.Context) (*models.Member, *models.Account, *models.Notice, *testchat.Link, error) {
	m, a, n, err := h.notice(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	id, err := parseID(c, "chat")
	if err != nil || h.testChats == nil {
		return nil, nil, nil, nil, models.ErrNotFound
	}
	l, err := h.testChats.Link(c.Request().Context(), m, a, id)
	return m, a, n, l, err
}

// confirmUnlinkTestChat asks before a chat stops getting tests.
func (h *notices) confirmUnlinkTestChat(c echo.Context) error {
	m, a, n, l, err := h.testChat(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.TestChatUnlinkConfirm(m, a, n.ID, *l, testFrom(c)))
}

func (h *notices) unlinkTestChat(c echo.Context) error {
	m, a, n, l, err := h.testChat(c)
	if err != nil {
		return err
	}
	if err := h.testChats.Unlink(c.Request().Context(), m, a, l.ID); err != nil {
		return err
	}
	return redirect(c, testBack(c, m, a, n), "notices.test_unlinked")
}
