package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/static"
	wp "github.com/plazahq/plaza/webpush"
)

// webPush is the browser's side of Web Push: the key a page subscribes
// with, the service worker, and turning a subscription into a follower.
type webPush struct {
	followers *follower.Service
	// key is the instance's VAPID public key; allowHTTP accepts
	// endpoints on plain http (a local push service the operator allowed).
	key       string
	allowHTTP bool
}

func registerWebPush(e *echo.Echo, pub publicAccountRoutes, h *webPush) {
	e.GET("/webpush/key", h.publicKey)
	e.GET("/sw.js", h.serviceWorker)
	pub.POST("/follow/webpush", h.subscribe)
}

// publicKey answers {"key": ...}, the applicationServerKey for
// PushManager.subscribe().
func (h *webPush) publicKey(c echo.Context) error {
	if h.key == "" {
		return echo.ErrNotFound
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.JSON(http.StatusOK, map[string]string{"key": h.key})
}

// serviceWorker serves static/sw.js at the site's root, so that its scope
// covers every page.
func (h *webPush) serviceWorker(c echo.Context) error {
	b, err := static.FS.ReadFile("sw.js")
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Service-Worker-Allowed", "/")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", b)
}

// subscribeRequest is what static/js/push.js posts.
type subscribeRequest struct {
	Subscription json.RawMessage `json:"subscription"`
	Language     string          `json:"language"`
}

// webPushError is a refusal in JSON, with a stable code for the script.
func webPushError(c echo.Context, status int, code string) error {
	return c.JSON(status, map[string]string{"error": code})
}

// subscribe makes the posted subscription an active follower on the
// webpush channel.
func (h *webPush) subscribe(c echo.Context) error {
	a := publicAccount(c)
	if h.key == "" {
		return webPushError(c, http.StatusNotFound, "webpush_off")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 8<<10))
	if err != nil {
		return webPushError(c, http.StatusBadRequest, "unreadable")
	}
	var req subscribeRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.Subscription) == 0 {
		return webPushError(c, http.StatusBadRequest, "malformed")
	}
	sub, err := wp.ParseSubscription(req.Subscription)
	if err != nil {
		return webPushError(c, http.StatusBadRequest, "invalid_subscription")
	}
	u, err := url.Parse(sub.Endpoint)
	if err != nil || !(u.Scheme == "https" || (u.Scheme == "http" && h.allowHTTP)) || len(sub.Endpoint) > 1024 {
		return webPushError(c, http.StatusBadRequest, "invalid_endpoint")
	}
	// The address is the subscription in one normal form, so the same
	// browser subscribing twice is one follower.
	addr, err := json.Marshal(map[string]any{"endpoint": sub.Endpoint, "keys": map[string]string{"p256dh": sub.P256dh, "auth": sub.Auth}})
	if err != nil {
		return err
	}
	f, _, err := h.followers.FollowFromBrowser(c.Request().Context(), a.ID, models.ChannelWebPush, string(addr), req.Language, clientOf(c))
	if errors.Is(err, models.ErrLimited) {
		return webPushError(c, http.StatusTooManyRequests, "too_many")
	}
	if errors.Is(err, follower.ErrBlocked) {
		return webPushError(c, http.StatusForbidden, "blocked")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": f.Status, "language": f.Language})
}
