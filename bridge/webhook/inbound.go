package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
)

// Inbound mounts the endpoint an SMS gateway or another system posts
// signed messages to: POST /bridge/webhook/<handle>, answered with the
// router's replies in the response body.
func (c *Channel) Inbound(h bridge.Host) []bridge.Route {
	return []bridge.Route{{Method: http.MethodPost, Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
		return c.receive(w, r, h, handle)
	}}}
}

// inboundMessage is the generic webhook channel's inbound JSON, as documented
// in README.md.
type inboundMessage struct {
	ID       string `json:"id"`
	From     string `json:"from"`
	Type     string `json:"type"`
	Text     string `json:"text"`
	Language string `json:"language"`
	Scene    string `json:"scene"`
}

func problem(w http.ResponseWriter, status int, code, msg string) error {
	return writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func (c *Channel) receive(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	ctx := r.Context()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem(w, http.StatusRequestEntityTooLarge, "too_large", "the message is larger than 64 KB")
		}
		return problem(w, http.StatusBadRequest, "unreadable", "the request body could not be read")
	}
	a, err := h.Account(ctx, handle)
	if errors.Is(err, models.ErrNotFound) {
		return problem(w, http.StatusNotFound, "not_found", "no such account")
	}
	if err != nil {
		return err
	}
	// Read afresh, not through the send cache: a rotated secret signs
	// the next message.
	_, secret, err := c.endpoints.WebhookEndpoint(ctx, a.ID)
	if errors.Is(err, ErrNotConfigured) {
		return problem(w, http.StatusNotFound, "not_configured", "this account has no webhook channel")
	}
	if err != nil {
		return err
	}
	switch err := Verify(secret, r.Header.Get("X-Plaza-Timestamp"), r.Header.Get("X-Plaza-Signature"), body, h.Now(), bridge.ReplayWindow); {
	case errors.Is(err, ErrStale):
		return problem(w, http.StatusUnauthorized, "stale", "the timestamp is more than 5 minutes from now")
	case err != nil:
		return problem(w, http.StatusUnauthorized, "bad_signature", "missing or wrong X-Plaza-Signature")
	}
	in, status, why := ParseMessage(body)
	if status != 0 {
		code := "invalid"
		if status == http.StatusBadRequest {
			code = "bad_json"
		}
		return problem(w, status, code, why)
	}
	replies, err := h.Handle(ctx, a, in)
	if err != nil {
		return err
	}
	if replies == nil {
		replies = []bridge.Reply{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"replies": replies})
}

// ParseMessage reads the generic webhook's JSON; a non-zero status says
// why it is refused.
func ParseMessage(body []byte) (bridge.Inbound, int, string) {
	var msg inboundMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		return bridge.Inbound{}, http.StatusBadRequest, "the body is not a message object: " + err.Error()
	}
	if dec.More() {
		return bridge.Inbound{}, http.StatusBadRequest, "the body holds more than one JSON value"
	}
	in, why := msg.inbound()
	if why != "" {
		return in, http.StatusUnprocessableEntity, why
	}
	return in, 0, ""
}

// inbound checks the message and turns it into the bridge's shape; it
// returns what is wrong, if anything.
func (m inboundMessage) inbound() (bridge.Inbound, string) {
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
