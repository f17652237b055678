package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
)

// Router is what the bridge endpoints hand inbound messages to.
type Router interface {
	Handle(ctx context.Context, a *models.Account, in bridge.Inbound) ([]bridge.Reply, error)
}

// bridgeArea receives messages from chat channels.
type bridgeArea struct {
	store    *models.Store
	accounts *account.Service
	router   Router
	log      *slog.Logger
}

// ChatChannel is what the studio needs of a chat channel: to send a staff
// reply, and to check the credentials staff entered.
type ChatChannel interface {
	Reply(ctx context.Context, accountID int64, to, text string) error
	TestConnection(ctx context.Context, s *models.ChatSettings) (string, error)
}

// bridgeBodyLimit bounds an inbound chat message: a few kilobytes of text
// in a JSON or XML envelope.
const bridgeBodyLimit = 64 << 10

// replayWindow is how far a signed request's timestamp may be from now.
const replayWindow = 5 * time.Minute

func registerBridge(e *echo.Echo, h *bridgeArea) {
	e.POST("/bridge/webhook/:handle", h.webhook)
	e.GET("/bridge/wechat/:handle", h.wechatVerify)
	e.POST("/bridge/wechat/:handle", h.wechat)
	e.POST("/bridge/telegram/:handle", h.telegram)
}

// webhookMessage is the generic webhook channel's inbound JSON, as
// documented in README.md.
type webhookMessage struct {
	ID       string `json:"id"`
	From     string `json:"from"`
	Type     string `json:"type"`
	Text     string `json:"text"`
	Language string `json:"language"`
	Scene    string `json:"scene"`
}

func bridgeError(c echo.Context, status int, code, msg string) error {
	return c.JSON(status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// webhook takes a signed message from an SMS gateway or another system
// and answers with the router's replies in the response body.
func (h *bridgeArea) webhook(c echo.Context) error {
	ctx := c.Request().Context()
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return bridgeError(c, http.StatusRequestEntityTooLarge, "too_large", "the message is larger than 64 KB")
		}
		return bridgeError(c, http.StatusBadRequest, "unreadable", "the request body could not be read")
	}
	pa, err := h.accounts.AccountByHandle(ctx, c.Param("handle"))
	if errors.Is(err, models.ErrNotFound) {
		return bridgeError(c, http.StatusNotFound, "not_found", "no such account")
	}
	if err != nil {
		return err
	}
	a := &pa.Account
	_, secret, err := h.store.WebhookEndpoint(ctx, a.ID)
	if errors.Is(err, models.ErrNoWebhook) {
		return bridgeError(c, http.StatusNotFound, "not_configured", "this account has no webhook channel")
	}
	if err != nil {
		return err
	}
	req := c.Request()
	switch err := webhook.Verify(secret, req.Header.Get("X-Plaza-Timestamp"), req.Header.Get("X-Plaza-Signature"), body, h.store.Now(), replayWindow); {
	case errors.Is(err, webhook.ErrStale):
		return bridgeError(c, http.StatusUnauthorized, "stale", "the timestamp is more than 5 minutes from now")
	case err != nil:
		return bridgeError(c, http.StatusUnauthorized, "bad_signature", "missing or wrong X-Plaza-Signature")
	}
	in, status, problem := parseWebhookMessage(body)
	if status != 0 {
		code := "invalid"
		if status == http.StatusBadRequest {
			code = "bad_json"
		}
		return bridgeError(c, status, code, problem)
	}
	replies, err := h.router.Handle(ctx, a, in)
	if err != nil {
		return err
	}
	if replies == nil {
		replies = []bridge.Reply{}
	}
	return c.JSON(http.StatusOK, map[string]any{"replies": replies})
}

// parseWebhookMessage reads the generic webhook's JSON; a non-zero status
// says why it is refused.
func parseWebhookMessage(body []byte) (bridge.Inbound, int, string) {
	var msg webhookMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		return bridge.Inbound{}, http.StatusBadRequest, "the body is not a message object: " + err.Error()
	}
	if dec.More() {
		return bridge.Inbound{}, http.StatusBadRequest, "the body holds more than one JSON value"
	}
	in, problem := msg.inbound()
	if problem != "" {
		return in, http.StatusUnprocessableEntity, problem
	}
	return in, 0, ""
}

// inbound checks the message and turns it into the bridge's shape; it
// returns what is wrong, if anything.
func (m webhookMessage) inbound() (bridge.Inbound, string) {
	in := bridge.Inbound{Channel: models.ChannelWebhook, From: strings.TrimSpace(m.From), MsgID: m.ID, Text: m.Text,
		Scene: m.Scene, Lang: m.Language}
	switch m.Type {
	case "", "message":
		in.Kind = bridge.KindText
	case "follow":
		in.Kind = bridge.KindFollow
	case "unfollow":
		in.Kind = bridge.KindUnfollow
	default:
		return in, `type must be "message", "follow" or "unfollow"`
	}
	switch {
	case in.From == "" || utf8.RuneCountInString(in.From) > models.MaxChatAddress:
		return in, "from is required (up to 200 characters)"
	case len(m.ID) > models.MaxChatMsgID:
		return in, "id is at most 128 characters"
	case !utf8.ValidString(m.Text) || !utf8.ValidString(m.From) || !utf8.ValidString(m.ID) || strings.ContainsRune(m.From+m.ID+m.Scene, 0):
		return in, "from, id and scene must be UTF-8 without NUL"
	case utf8.RuneCountInString(m.Text) > models.MaxChatText:
		return in, "text is at most 4000 characters"
	case in.Kind == bridge.KindText && strings.TrimSpace(m.Text) == "":
		return in, "a message needs text"
	case len(m.Scene) > 64:
		return in, "scene is at most 64 characters"
	}
	return in, ""
}
