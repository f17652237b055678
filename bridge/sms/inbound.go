package sms

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/plazahq/plaza/bridge"
	smscore "github.com/plazahq/plaza/sms"
)

// The message states a status callback reports that end a delivery.
const (
	StatusDelivered   = "delivered"
	StatusUndelivered = "undelivered"
	StatusFailed      = "failed"
)

// Inbound mounts the provider's status callback: POST
// /bridge/sms/<handle>/status, signed with the account's auth token.
func (c *Channel) Inbound(h bridge.Host) []bridge.Route {
	return []bridge.Route{{Method: http.MethodPost, Path: "/status", Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
		return c.status(w, r, h, handle)
	}}}
}

// status takes a delivery receipt. The signature is checked against the
// public URL the provider was given (PLAZA_BASE_URL and the path), not
// the one a reverse proxy passed on; anything unsigned or signed with
// another token is refused before it is read further.
func (c *Channel) status(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	a, s, err := bridge.Endpoint(w, r, h, handle, ChannelName)
	if err != nil || a == nil {
		return err
	}
	body := bridge.ReadBody(w, r)
	if body == nil {
		return nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		bridge.Text(w, http.StatusBadRequest, "the form could not be read")
		return nil
	}
	if !smscore.Verify(s.Get(FieldToken), c.baseURL+r.URL.RequestURI(), form, r.Header.Get("X-Twilio-Signature")) {
		bridge.Text(w, http.StatusForbidden, "bad signature")
		return nil
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
