package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/static"
	wp "github.com/plazahq/plaza/webpush"
)

// webPush is the browser's side of Web Push: the key a page subscribes
// with, the service worker, and turning a subscription into a follower.
type webPush struct {
	followers *follower.Service
	// channels say whether an account offers Web Push; districts,
	// whether its organization has districts to choose from.
	channels  *channel.Service
	districts *district.Service
	// codes credit a subscription from a follow code's page to the code.
	codes *followcode.Service
	store *models.Store
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

// subscribeRequest is what static/js/push.js posts. From the follow
// page it adds the form's topics and area (the fields the e-mail follow
// posts); from the account page, which has no form, neither.
type subscribeRequest struct {
	Subscription json.RawMessage `json:"subscription"`
	Language     string          `json:"language"`
	Topics       []string        `json:"topics"`
	Area         *subscribeArea  `json:"area"`
	// Code is the follow code whose page the form is on (its hidden
	// field), if any.
	Code string `json:"code"`
}

// subscribeArea is the follow form's "where": area_mode, the ticked
// area_district ids, and the place (null when not a number).
type subscribeArea struct {
	Mode      string   `json:"mode"`
	Districts []int64  `json:"districts"`
	Lat       *float64 `json:"lat"`
	Lon       *float64 `json:"lon"`
}

// webPushError is a refusal in JSON, with a stable code for the script.
func webPushError(c echo.Context, status int, code string) error {
	return c.JSON(status, map[string]string{"error": code})
}

// choice is what the request chose, as the e-mail follow reads its
// form: nil when it chose nothing; the area left out when the
// organization has no districts to choose from.
func (h *webPush) choice(c echo.Context, a *models.PublicAccount, req subscribeRequest) (*follower.BrowserChoice, error) {
	if req.Topics == nil && req.Area == nil {
		return nil, nil
	}
	ch := &follower.BrowserChoice{Topics: req.Topics}
	// As a follow by e-mail: the code is taken only as the account's
	// live one, so a hand-made post cannot credit another poster.
	if code, err := h.codes.FollowCodeByCode(c.Request().Context(), req.Code); err == nil && code.AccountID == a.ID && !code.Expired(h.store.Now()) {
		ch.Scene, ch.CodeID = code.Scene, &code.ID
	}
	if req.Area == nil {
		return ch, nil
	}
	n, err := h.districts.Count(c.Request().Context(), a.OrgID())
	if err != nil || n == 0 {
		return ch, err
	}
	ch.Area = follower.AreaChoice{Mode: req.Area.Mode, Districts: req.Area.Districts}
	if req.Area.Mode == models.AreaPlace {
		ch.Area.Lat, ch.Area.Lon = req.Area.Lat, req.Area.Lon
	}
	return ch, nil
}

// subscribe makes the posted subscription an active follower on the
// webpush channel.
func (h *webPush) subscribe(c echo.Context) error {
	a := publicAccount(c)
	if h.key == "" {
		return webPushError(c, http.StatusNotFound, "webpush_off")
	}
	on, err := h.channels.ChannelEnabled(c.Request().Context(), a.ID, models.ChannelWebPush)
	if err != nil {
		return err
	}
	if !on {
		return webPushError(c, http.StatusNotFound, "webpush_off")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 8<<10))
	if err != nil {
		return webPushError(c, http.StatusBadRequest, "unreadable")
	}
	var req subscribeRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.Subscription) == 0 || len(req.Topics) > 100 || (req.Area != nil && len(req.Area.Districts) > 1000) {
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
	choice, err := h.choice(c, a, req)
	if err != nil {
		return err
	}
	f, _, err := h.followers.FollowFromBrowser(c.Request().Context(), a.ID, models.ChannelWebPush, string(addr), req.Language, clientOf(c), choice)
	if v, ok := models.AsValidation(err); ok {
		// The e-mail follow's field errors, by field, in the page's
		// language for the script to show.
		fields := map[string]string{}
		for f, key := range v.Fields {
			fields[f] = i18n.T(langOf(c), key)
		}
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{"error": "invalid", "fields": fields})
	}
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
