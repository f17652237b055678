package telegram

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/plazahq/plaza/bridge"
)

// Inbound mounts Telegram's webhook: POST /bridge/telegram/<handle>, with
// the secret token Plaza set on the bot (Connect).
func (c *Channel) Inbound(h bridge.Host) []bridge.Route {
	return []bridge.Route{{Method: http.MethodPost, Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
		return receive(w, r, h, handle)
	}}}
}

// receive takes an update from Telegram and answers with a sendMessage in
// the response body (or nothing).
func receive(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	a, s, err := bridge.Endpoint(w, r, h, handle, ChannelName)
	if err != nil || a == nil {
		return err
	}
	want := s.Get(FieldSecretToken)
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		bridge.Text(w, http.StatusUnauthorized, "bad secret token")
		return nil
	}
	body := bridge.ReadBody(w, r)
	if body == nil {
		return nil
	}
	in, err := ParseUpdate(body)
	if errors.Is(err, ErrIgnored) {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if err != nil {
		bridge.Text(w, http.StatusBadRequest, err.Error())
		return nil
	}
	replies, err := h.Handle(r.Context(), a, in)
	if err != nil {
		return err
	}
	if len(replies) == 0 {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	bridge.Blob(w, http.StatusOK, "application/json", Reply(in.From, bridge.JoinReplies(replies)))
	return nil
}
