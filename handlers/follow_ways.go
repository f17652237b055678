package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	smsbridge "github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/qr"
	smscore "github.com/plazahq/plaza/sms"
	"github.com/plazahq/plaza/templates"
)

// followWays works out how a person can follow the account besides the
// e-mail form and the browser's notifications: the chat apps and text
// messages of enabled, set-up channels. code, when not nil, is the
// follow code the person came through: the Telegram link and WeChat's
// code then carry its scene, so the follow is credited to it. userAgent
// picks the sms: link's form and whether the page is open inside WeChat.
func followWays(ctx context.Context, chans *channel.Service, accountID int64, enabled []string, code *followcode.FollowCode, userAgent string) (templates.FollowWays, error) {
	var w templates.FollowWays
	on := func(name string) (*channel.Settings, error) {
		if !slices.Contains(enabled, name) {
			return nil, nil
		}
		s, err := chans.Cached(ctx, accountID, name)
		if errors.Is(err, models.ErrNotFound) || err == nil && (s == nil || !s.Enabled) {
			return nil, nil
		}
		return s, err
	}
	s, err := on(models.ChannelSMS)
	if err != nil {
		return w, err
	}
	if s != nil && s.Get(smsbridge.FieldFrom) != "" {
		from, word := s.Get(smsbridge.FieldFrom), cmp.Or(s.Get(smsbridge.FieldKeyword), "START")
		w.SMS = &templates.FollowSMS{Number: smscore.Readable(from), Word: word, Link: smsLink(from, word, userAgent)}
	}
	if s, err = on(models.ChannelTelegram); err != nil {
		return w, err
	}
	if s != nil && s.Get(telegram.FieldBotName) != "" {
		bot := s.Get(telegram.FieldBotName)
		link := "https://t.me/" + url.PathEscape(bot)
		if code != nil {
			// The bot gets "/start <scene>": the follow is the code's
			// (scenes are what Telegram allows in start=).
			link += "?start=" + url.QueryEscape(code.Scene)
		}
		w.Telegram = &templates.FollowTelegram{Bot: bot, Link: link}
	}
	if s, err = on(models.ChannelWeChat); err != nil {
		return w, err
	}
	if s != nil {
		w.WeChat = &templates.FollowWeChat{InWeChat: strings.Contains(userAgent, "MicroMessenger")}
		if code != nil && code.WeChatURL != "" {
			w.WeChat.Link, w.WeChat.Image = code.WeChatURL, "/q/"+code.Code+"/wechat.png"
		}
	}
	return w, nil
}

// wechatQR draws the follow code's WeChat QR code for its follow page: a
// picture that WeChat's browser recognizes when pressed and held. It is
// no scan (the page that shows it counted one); a code without a WeChat
// code, or of an account that turned WeChat off, is a 404, an ended code
// 410 as its link is.
func (h *follow) wechatQR(c echo.Context) error {
	ctx := c.Request().Context()
	code, err := h.codes.FollowCodeByCode(ctx, c.Param("code"))
	if errors.Is(err, models.ErrNotFound) || err == nil && code.WeChatURL == "" {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	if code.Expired(h.store.Now()) {
		return echo.NewHTTPError(http.StatusGone)
	}
	if on, err := h.channels.ChannelEnabled(ctx, code.AccountID, models.ChannelWeChat); err != nil {
		return err
	} else if !on {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	img, err := qr.PNG(code.WeChatURL, 512)
	if err != nil {
		return fmt.Errorf("wechat code %d: %w", code.ID, err)
	}
	// Short: staff may end the code or turn WeChat off.
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "image/png", img)
}
