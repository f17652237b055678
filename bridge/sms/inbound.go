package sms

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	smscore "github.com/plazahq/plaza/sms"
)

// The message states a status callback reports that end a delivery.
const (
	StatusDelivered   = "delivered"
	StatusUndelivered = "undelivered"
	StatusFailed      = "failed"
)

// Inbound mounts the provider's incoming-message webhook (POST
// /bridge/sms/<handle>) and its status callback (POST
// /bridge/sms/<handle>/status), both signed with the account's auth
// token.
func (c *Channel) Inbound(h bridge.Host) []bridge.Route {
	return []bridge.Route{
		{Method: http.MethodPost, Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
			return c.receive(w, r, h, handle)
		}},
		{Method: http.MethodPost, Path: "/status", Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
			return c.status(w, r, h, handle)
		}},
	}
}

// emptyTwiML is the webhook's answer: nothing to send back in it, as the
// replies go out through the API (Reply), recorded like every chat reply.
var emptyTwiML = []byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`)

// signedForm reads a provider's signed form for the account, answering
// 404, 400 or 403 itself (nil then, and no error).
func (c *Channel) signedForm(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) (*models.Account, *bridge.Settings, url.Values, error) {
	a, s, err := bridge.Endpoint(w, r, h, handle, ChannelName)
	if err != nil || a == nil {
		return nil, nil, nil, err
	}
	body := bridge.ReadBody(w, r)
	if body == nil {
		return nil, nil, nil, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		bridge.Text(w, http.StatusBadRequest, "the form could not be read")
		return nil, nil, nil, nil
	}
	if !smscore.Verify(s.Get(FieldToken), c.baseURL+r.URL.RequestURI(), form, r.Header.Get("X-Twilio-Signature")) {
		bridge.Text(w, http.StatusForbidden, "bad signature")
		return nil, nil, nil, nil
	}
	return a, s, form, nil
}

// receive takes a text a person sent to the account's number: the
// sender's number, read in the account's region, is their address. The
// router's replies are sent through the provider's API.
func (c *Channel) receive(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	a, s, form, err := c.signedForm(w, r, h, handle)
	if err != nil || a == nil {
		return err
	}
	from, err := smscore.Normalize(form.Get("From"), s.Get(FieldRegion))
	if err != nil {
		// A short code or an alphanumeric sender: nobody to answer.
		h.Log().Info("sms from no phone number", "account", a.Handle, "message_sid", form.Get("MessageSid"))
		bridge.Blob(w, http.StatusOK, "text/xml; charset=UTF-8", emptyTwiML)
		return nil
	}
	in := bridge.Inbound{Channel: ChannelName, From: from, MsgID: form.Get("MessageSid"), Kind: bridge.KindText, Text: form.Get("Body"),
		FollowWord: s.Get(FieldKeyword)}
	replies, err := h.Handle(r.Context(), a, in)
	if err != nil {
		return err
	}
	for _, rep := range replies {
		if err := c.Reply(r.Context(), a.ID, from, rep.Text); err != nil {
			h.Log().Warn("sms reply not sent", "account", a.Handle, "error", err)
		}
	}
	bridge.Blob(w, http.StatusOK, "text/xml; charset=UTF-8", emptyTwiML)
	return nil
}

// status takes a delivery receipt. The signature is checked against the
// public URL the provider was given (PLAZA_BASE_URL and the path), not
// the one a reverse proxy passed on; anything unsigned or signed with
// another token is refused before it is read further.
func (c *Channel) status(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	a, _, form, err := c.signedForm(w, r, h, handle)
	if err != nil || a == nil {
		return err
	}
	sid, state := form.Get("MessageSid"), form.Get("MessageStatus")
	if sid == "" || state == "" {
		bridge.Text(w, http.StatusBadRequest, "MessageSid and MessageStatus are required")
		return nil
	}
	h.Log().Info("sms receipt", "account", a.Handle, "message_sid", sid, "status", state, "error_code", form.Get("ErrorCode"))
	if d := r.URL.Query().Get(deliveryParam); d != "" && c.receipts != nil && (state == StatusUndelivered || state == StatusFailed) {
		reason := "not delivered"
		if code := form.Get("ErrorCode"); code != "" && strings.Trim(code, "0123456789") == "" && len(code) <= 9 {
			reason += ": SMS provider error " + code
		}
		if _, err := c.receipts.RecordUndelivered(r.Context(), a.ID, d, reason); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
