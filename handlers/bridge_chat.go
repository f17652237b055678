package handlers

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/models"
)

// chatAccount finds the account a platform calls for and its settings for
// that platform; a missing or disabled channel is a 404 with a word why.
func (h *bridgeArea) chatAccount(c echo.Context, channel string) (*models.Account, *models.ChatSettings, error) {
	a, s, err := h.store.ChatEndpoint(c.Request().Context(), c.Param("handle"), channel)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, c.String(http.StatusNotFound, "no account here with "+channel+" enabled")
	}
	if err != nil {
		return nil, nil, err
	}
	return a, s, nil
}

// readBody reads a platform's request, answering 413 when it is larger
// than any message.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, c.String(http.StatusRequestEntityTooLarge, "the message is larger than 64 KB")
		}
		return nil, c.String(http.StatusBadRequest, "the request body could not be read")
	}
	return body, nil
}

// freshTimestamp checks a platform's timestamp against the replay window.
func freshTimestamp(ts string, now time.Time) bool {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := now.Sub(time.Unix(n, 0))
	return d < replayWindow && d > -replayWindow
}

// maxNonce bounds the nonce kept for a WeChat callback; WeChat's are a
// few digits.
const maxNonce = 64

// onceKey reads a signed callback's (timestamp, nonce) pair, kept for the
// replay window so the same signed URL is refused the second time, on
// whichever instance. It is read after the signature is verified, so only
// requests WeChat signed can add pairs. A refusal has been written when
// ok is false.
func onceKey(c echo.Context, ts, nonce string) (k *bridge.OnceKey, ok bool, err error) {
	n, perr := strconv.ParseInt(ts, 10, 64)
	if perr != nil || nonce == "" || len(nonce) > maxNonce {
		return nil, false, c.String(http.StatusForbidden, "missing or malformed timestamp or nonce")
	}
	return &bridge.OnceKey{TS: n, Nonce: nonce, Expires: time.Unix(n, 0).Add(replayWindow)}, true, nil
}

// refuseReplay answers a request whose one-time key was taken before.
func refuseReplay(c echo.Context) error {
	return c.String(http.StatusForbidden, bridge.ErrReplayed.Error())
}

// wechatVerify answers WeChat's check when the URL is saved in its
// console: the signature over token, timestamp and nonce, checked like a
// message's (fresh timestamp, nonce not used before), then echostr
// echoed.
func (h *bridgeArea) wechatVerify(c echo.Context) error {
	a, s, err := h.chatAccount(c, models.ChannelWeChat)
	if err != nil || s == nil {
		return err
	}
	q := c.QueryParams()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !freshTimestamp(ts, h.store.Now()) {
		return c.String(http.StatusForbidden, "stale or missing timestamp")
	}
	if !wechat.ValidSignature(q.Get("signature"), s.Token, ts, nonce) {
		return c.String(http.StatusForbidden, "bad signature")
	}
	k, ok, err := onceKey(c, ts, nonce)
	if !ok {
		return err
	}
	// No message to handle: the pair is taken on its own.
	fresh, err := h.store.ClaimWeChatNonce(c.Request().Context(), a.ID, k.TS, k.Nonce, k.Expires)
	if err != nil {
		return err
	}
	if !fresh {
		return refuseReplay(c)
	}
	return c.String(http.StatusOK, q.Get("echostr"))
}

// wechat takes a message or event from WeChat and answers with a passive
// reply (or "success" for none), encrypted when the message was.
func (h *bridgeArea) wechat(c echo.Context) error {
	a, s, err := h.chatAccount(c, models.ChannelWeChat)
	if err != nil || s == nil {
		return err
	}
	body, err := readBody(c)
	if body == nil {
		return err
	}
	q := c.QueryParams()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !freshTimestamp(ts, h.store.Now()) {
		return c.String(http.StatusForbidden, "stale or missing timestamp")
	}
	msg, err := wechat.ParseMessage(body)
	if err != nil {
		return c.String(http.StatusBadRequest, "malformed XML")
	}
	var ciph *wechat.Cipher
	safe := q.Get("encrypt_type") == "aes"
	switch {
	case safe:
		if msg.Encrypt == "" || !wechat.ValidSignature(q.Get("msg_signature"), s.Token, ts, nonce, msg.Encrypt) {
			return c.String(http.StatusForbidden, "bad msg_signature")
		}
		if ciph, err = wechat.NewCipher(s.AESKey, s.AppID); err != nil {
			return err
		}
		plain, err := ciph.Decrypt(msg.Encrypt)
		if err != nil {
			return c.String(http.StatusBadRequest, "cannot decrypt: "+err.Error())
		}
		if msg, err = wechat.ParseMessage(plain); err != nil {
			return c.String(http.StatusBadRequest, "malformed XML inside Encrypt")
		}
	case s.SafeMode:
		return c.String(http.StatusForbidden, "this account takes encrypted messages only (safe mode)")
	case !wechat.ValidSignature(q.Get("signature"), s.Token, ts, nonce):
		return c.String(http.StatusForbidden, "bad signature")
	}
	once, ok, err := onceKey(c, ts, nonce)
	if !ok {
		return err
	}
	in, err := msg.Inbound()
	if errors.Is(err, wechat.ErrIgnored) {
		// Acknowledged, never refused: a 4xx makes WeChat retry and tell
		// the person the account is not answering.
		h.log.Debug("WeChat callback ignored", "account", a.Handle, "err", err)
		return c.String(http.StatusOK, "success")
	}
	if err != nil {
		return c.String(http.StatusBadRequest, err.Error())
	}
	in.Once = once
	replies, err := h.router.Handle(c.Request().Context(), a, in)
	if errors.Is(err, bridge.ErrReplayed) {
		return refuseReplay(c)
	}
	if err != nil {
		return err
	}
	if len(replies) == 0 {
		// WeChat's documented "no reply" answer.
		return c.String(http.StatusOK, "success")
	}
	out := wechat.TextReply(msg, joinReplies(replies), h.store.Now())
	if safe {
		if out, err = wechat.EncryptedReply(ciph, s.Token, out, ts, nonce); err != nil {
			return err
		}
	}
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", out)
}

// joinReplies makes one message of the router's replies: a passive reply
// is a single message.
func joinReplies(rs []bridge.Reply) string {
	texts := make([]string, len(rs))
	for i, r := range rs {
		texts[i] = r.Text
	}
	return strings.Join(texts, "\n\n")
}

// telegram takes an update from Telegram and answers with a sendMessage
// in the response body (or nothing).
func (h *bridgeArea) telegram(c echo.Context) error {
	a, s, err := h.chatAccount(c, models.ChannelTelegram)
	if err != nil || s == nil {
		return err
	}
	got := c.Request().Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if s.SecretToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.SecretToken)) != 1 {
		return c.String(http.StatusUnauthorized, "bad secret token")
	}
	body, err := readBody(c)
	if body == nil {
		return err
	}
	in, err := telegram.ParseUpdate(body)
	if errors.Is(err, telegram.ErrIgnored) {
		return c.NoContent(http.StatusOK)
	}
	if err != nil {
		return c.String(http.StatusBadRequest, err.Error())
	}
	replies, err := h.router.Handle(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	if len(replies) == 0 {
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, telegram.Reply(in.From, joinReplies(replies)))
}
