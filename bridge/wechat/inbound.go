package wechat

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/plazahq/plaza/bridge"
)

// Inbound mounts WeChat's callback: GET /bridge/wechat/<handle> is the
// check WeChat makes when the URL is saved in its console, POST the
// messages and events.
func (c *Channel) Inbound(h bridge.Host) []bridge.Route {
	return []bridge.Route{
		{Method: http.MethodGet, Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
			return verify(w, r, h, handle)
		}},
		{Method: http.MethodPost, Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
			return receive(w, r, h, handle)
		}},
	}
}

// maxNonce bounds the nonce kept for a callback; WeChat's are a few
// digits.
const maxNonce = 64

// onceKey reads a signed callback's (timestamp, nonce) pair, kept for the
// replay window so the same signed URL is refused the second time, on
// whichever instance. It is read after the signature is verified, so only
// requests WeChat signed can add pairs. nil means the refusal was written.
func onceKey(w http.ResponseWriter, ts, nonce string) *bridge.OnceKey {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || nonce == "" || len(nonce) > maxNonce {
		bridge.Text(w, http.StatusForbidden, "missing or malformed timestamp or nonce")
		return nil
	}
	return &bridge.OnceKey{TS: n, Nonce: nonce, Expires: time.Unix(n, 0).Add(bridge.ReplayWindow)}
}

// refuseReplay answers a request whose one-time key was taken before.
func refuseReplay(w http.ResponseWriter) error {
	bridge.Text(w, http.StatusForbidden, bridge.ErrReplayed.Error())
	return nil
}

// verify answers WeChat's check when the URL is saved in its console: the
// signature over token, timestamp and nonce, checked like a message's
// (fresh timestamp, nonce not used before), then echostr echoed.
func verify(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	a, s, err := bridge.Endpoint(w, r, h, handle, ChannelName)
	if err != nil || a == nil {
		return err
	}
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !bridge.FreshTimestamp(ts, h.Now()) {
		bridge.Text(w, http.StatusForbidden, "stale or missing timestamp")
		return nil
	}
	if !ValidSignature(q.Get("signature"), s.Get(FieldToken), ts, nonce) {
		bridge.Text(w, http.StatusForbidden, "bad signature")
		return nil
	}
	k := onceKey(w, ts, nonce)
	if k == nil {
		return nil
	}
	// No message to handle: the pair is taken on its own.
	fresh, err := h.Claim(r.Context(), a.ID, k)
	if err != nil {
		return err
	}
	if !fresh {
		return refuseReplay(w)
	}
	bridge.Text(w, http.StatusOK, q.Get("echostr"))
	return nil
}

// receive takes a message or event from WeChat and answers with a
// passive reply (or "success" for none), encrypted when the message was.
func receive(w http.ResponseWriter, r *http.Request, h bridge.Host, handle string) error {
	a, s, err := bridge.Endpoint(w, r, h, handle, ChannelName)
	if err != nil || a == nil {
		return err
	}
	body := bridge.ReadBody(w, r)
	if body == nil {
		return nil
	}
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !bridge.FreshTimestamp(ts, h.Now()) {
		bridge.Text(w, http.StatusForbidden, "stale or missing timestamp")
		return nil
	}
	msg, err := ParseMessage(body)
	if err != nil {
		bridge.Text(w, http.StatusBadRequest, "malformed XML")
		return nil
	}
	token := s.Get(FieldToken)
	var ciph *Cipher
	safe := q.Get("encrypt_type") == "aes"
	switch {
	case safe:
		if msg.Encrypt == "" || !ValidSignature(q.Get("msg_signature"), token, ts, nonce, msg.Encrypt) {
			bridge.Text(w, http.StatusForbidden, "bad msg_signature")
			return nil
		}
		if ciph, err = NewCipher(s.Get(FieldAESKey), s.Get(FieldAppID)); err != nil {
			return err
		}
		plain, err := ciph.Decrypt(msg.Encrypt)
		if err != nil {
			bridge.Text(w, http.StatusBadRequest, "cannot decrypt: "+err.Error())
			return nil
		}
		if msg, err = ParseMessage(plain); err != nil {
			bridge.Text(w, http.StatusBadRequest, "malformed XML inside Encrypt")
			return nil
		}
	case s.Bool(FieldSafeMode):
		bridge.Text(w, http.StatusForbidden, "this account takes encrypted messages only (safe mode)")
		return nil
	case !ValidSignature(q.Get("signature"), token, ts, nonce):
		bridge.Text(w, http.StatusForbidden, "bad signature")
		return nil
	}
	once := onceKey(w, ts, nonce)
	if once == nil {
		return nil
	}
	in, err := msg.Inbound()
	if errors.Is(err, ErrIgnored) {
		// Acknowledged, never refused: a 4xx makes WeChat retry and tell
		// the person the account is not answering.
		h.Log().Debug("WeChat callback ignored", "account", a.Handle, "err", err)
		bridge.Text(w, http.StatusOK, "success")
		return nil
	}
	if err != nil {
		bridge.Text(w, http.StatusBadRequest, err.Error())
		return nil
	}
	in.Once = once
	replies, err := h.Handle(r.Context(), a, in)
	if errors.Is(err, bridge.ErrReplayed) {
		return refuseReplay(w)
	}
	if err != nil {
		return err
	}
	if len(replies) == 0 {
		// WeChat's documented "no reply" answer.
		bridge.Text(w, http.StatusOK, "success")
		return nil
	}
	out := TextReply(msg, bridge.JoinReplies(replies), h.Now())
	if safe {
		if out, err = EncryptedReply(ciph, token, out, ts, nonce); err != nil {
			return err
		}
	}
	bridge.Blob(w, http.StatusOK, "application/xml; charset=utf-8", out)
	return nil
}
