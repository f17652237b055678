package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/templates"
)

// follow is the citizen's side of following: scanning a code, the follow
// page, confirmation, unsubscribing and preferences.
type follow struct {
	store     *models.Store
	accounts  *account.Service
	codes     *followcode.Service
	followers *follower.Service
	channels  *channel.Service
	links     *mailer.Links
	// districts are what a follower may choose alerts for; tileURL is
	// the map's tile server.
	districts *district.Service
	tileURL   string
}

// unsubscribeRoute takes RFC 8058 one-click POSTs, which mail providers send
// from their own servers without a CSRF token; the signed link is the proof.
const unsubscribeRoute = "/f/unsubscribe/:token"

func registerFollow(e *echo.Echo, h *follow) {
	pub := newPublicAccountRoutes(e, h.accounts)
	e.GET("/q/:code", h.scan)
	e.GET("/q/:code/wechat.png", h.wechatQR)
	pub.GET("/follow", h.followPage)
	pub.POST("/follow", h.requestFollow)
	e.GET("/f/confirm/:token", h.confirmPage)
	e.POST("/f/confirm/:token", h.confirm)
	e.GET(unsubscribeRoute, h.unsubscribePage)
	e.POST(unsubscribeRoute, h.unsubscribe)
	e.GET("/f/preferences/:token", h.preferences)
	e.POST("/f/preferences/:token", h.savePreferences)
}

func (h *follow) form(c echo.Context, a *models.PublicAccount) (templates.FollowForm, error) {
	channels, err := h.channels.EnabledChannels(c.Request().Context(), a.ID)
	if err != nil {
		return templates.FollowForm{}, err
	}
	area, err := h.areaChoice(c, a.OrgID(), follower.AreaChoice{}, "", "")
	if err != nil {
		return templates.FollowForm{}, err
	}
	f := templates.FollowForm{Account: a, Channels: channels, Language: string(langOf(c)), Area: area}
	return f, h.withCode(c, &f, nil)
}

// withCode sets the ways to follow of the form's account other than
// e-mail, for the follow code the visitor came through (nil: none).
func (h *follow) withCode(c echo.Context, f *templates.FollowForm, code *followcode.FollowCode) error {
	w, err := followWays(c.Request().Context(), h.channels, f.Account.ID, f.Channels, code, c.Request().UserAgent())
	if err != nil {
		return err
	}
	f.SMS, f.Telegram, f.WeChat = w.SMS, w.Telegram, w.WeChat
	return nil
}

// smsLink opens a text to number saying word. iOS reads the body after
// "&" where every other system reads it after "?".
func smsLink(number, word, userAgent string) string {
	sep := "?"
	if strings.Contains(userAgent, "iPhone") || strings.Contains(userAgent, "iPad") || strings.Contains(userAgent, "iPod") {
		sep = "&"
	}
	return "sms:" + number + sep + "body=" + url.QueryEscape(word)
}

// areaChoice is the "where" section of the follow and preferences pages
// showing choice (lat and lon as typed when they did not parse), or nil
// when the organization has no districts: an account without geography
// does not ask.
func (h *follow) areaChoice(c echo.Context, orgID int64, choice follower.AreaChoice, lat, lon string) (*templates.FollowArea, error) {
	ctx := c.Request().Context()
	shapes, err := districtShapes(ctx, h.districts, orgID, string(langOf(c)))
	if err != nil || len(shapes) == 0 {
		return nil, err
	}
	f := &templates.FollowArea{Districts: shapes, Mode: choice.Mode, Chosen: map[int64]bool{}, Lat: lat, Lon: lon}
	for _, id := range choice.Districts {
		f.Chosen[id] = true
	}
	if choice.Lat != nil && choice.Lon != nil && lat == "" {
		f.Lat, f.Lon = strconv.FormatFloat(*choice.Lat, 'f', 3, 64), strconv.FormatFloat(*choice.Lon, 'f', 3, 64)
	}
	shown := area.Area{}
	for id := range f.Chosen {
		shown.Districts = append(shown.Districts, id)
	}
	f.Map = templates.NewMapView(shown, shapes, h.tileURL, "", "")
	return f, nil
}

// postedArea reads the "where" section of a posted form: the choice, and
// the place as typed.
func postedArea(c echo.Context) (follower.AreaChoice, string, string) {
	form, _ := c.FormParams()
	choice := follower.AreaChoice{Mode: c.FormValue("area_mode")}
	for _, s := range form["area_district"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			choice.Districts = append(choice.Districts, id)
		}
	}
	lat, lon := strings.TrimSpace(c.FormValue("place_lat")), strings.TrimSpace(c.FormValue("place_lon"))
	if choice.Mode == models.AreaPlace {
		if la, err := strconv.ParseFloat(lat, 64); err == nil {
			choice.Lat = &la
		}
		if lo, err := strconv.ParseFloat(lon, 64); err == nil {
			choice.Lon = &lo
		}
	}
	return choice, lat, lon
}

// scan records a scan of a follow code and shows the follow page with the
// code's scene kept in the form.
func (h *follow) scan(c echo.Context) error {
	ctx := c.Request().Context()
	code, err := h.codes.FollowCodeByCode(ctx, c.Param("code"))
	if errors.Is(err, models.ErrNotFound) {
		return render(c, http.StatusNotFound, templates.LinkProblem("code.gone_title", "code.gone"))
	}
	if err != nil {
		return err
	}
	if code.Expired(h.store.Now()) {
		return render(c, http.StatusGone, templates.LinkProblem("code.gone_title", "code.gone"))
	}
	if _, err := h.codes.RecordScan(ctx, code.ID, followcode.DeviceClass(c.Request().UserAgent()), h.scanClient(c)); err != nil {
		return err
	}
	acc, err := h.accounts.AccountByID(ctx, code.AccountID)
	if err != nil {
		return err
	}
	a, err := h.accounts.AccountByHandle(ctx, acc.Handle)
	if err != nil {
		return err
	}
	f, err := h.form(c, a)
	if err != nil {
		return err
	}
	f.Scene, f.Code = code.Scene, code.Code
	if err := h.withCode(c, &f, code); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, templates.FollowPage(f))
}

// scanClient names the client of a scan for counting it once: its
// rate-limit identity (clientOf: an IPv6 client by its /64). It is a keyed digest, so the
// rate-limit table never holds an address, nor a hash that trying every
// IPv4 address would reverse.
func (h *follow) scanClient(c echo.Context) string {
	return h.links.Signer.Digest("scan-client", clientOf(c))
}

func (h *follow) followPage(c echo.Context) error {
	f, err := h.form(c, publicAccount(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FollowPage(f))
}

func (h *follow) requestFollow(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	f, err := h.form(c, a)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	f.Address, f.Language, f.Topics = c.FormValue("address"), c.FormValue("language"), form["topics"]
	choice, lat, lon := postedArea(c)
	if f.Area != nil {
		if f.Area, err = h.areaChoice(c, a.OrgID(), choice, lat, lon); err != nil {
			return err
		}
	} else {
		choice = follower.AreaChoice{}
	}
	req := follower.FollowRequest{AccountID: a.ID, Channel: models.ChannelEmail, Address: f.Address, Language: f.Language, Topics: f.Topics,
		Area: choice, Client: clientOf(c)}
	// The scene comes from the code, never from the form alone, so a
	// hand-made post cannot credit a poster it did not come from.
	if code, err := h.codes.FollowCodeByCode(ctx, c.FormValue("code")); err == nil && code.AccountID == a.ID && !code.Expired(h.store.Now()) {
		req.Scene, req.CodeID = code.Scene, &code.ID
		f.Scene, f.Code = code.Scene, code.Code
		if err := h.withCode(c, &f, code); err != nil {
			return err
		}
	}
	addr, _ := models.NormalizeEmail(f.Address)
	_, err = h.followers.RequestFollow(ctx, req)
	if errors.Is(err, models.ErrLimited) {
		// Confirmation mail goes to whatever address is typed: the store
		// limits how much one client and one address can cause.
		f.Errors = map[string]string{"address": "follow.too_many"}
		return render(c, http.StatusTooManyRequests, templates.FollowPage(f))
	}
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.FollowPage(f))
	}
	if errors.Is(err, follower.ErrChannelDisabled) {
		return render(c, http.StatusUnprocessableEntity, templates.FollowPage(f))
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FollowSent(a, addr))
}

// verify checks a signed follower link and renders the explanation when it
// is forged or expired; ok is false when that page was written.
func (h *follow) verify(c echo.Context, purpose string) (int64, bool, error) {
	id, err := h.links.Verify(purpose, c.Param("token"))
	switch {
	case errors.Is(err, auth.ErrExpired):
		return 0, false, render(c, http.StatusGone, templates.LinkProblem("link.expired_title", "link.expired"))
	case err != nil:
		return 0, false, render(c, http.StatusBadRequest, templates.LinkProblem("link.bad_title", "link.bad"))
	}
	return id, true, nil
}

// followerAccount loads the follower of a verified link with its account;
// an erased follower's link is answered like a link that no longer applies.
func (h *follow) followerAccount(c echo.Context, id int64) (*models.Follower, *models.PublicAccount, bool, error) {
	ctx := c.Request().Context()
	f, err := h.followers.FollowerByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, false, render(c, http.StatusGone, templates.LinkProblem("link.used_title", "link.used"))
	}
	if err != nil {
		return nil, nil, false, err
	}
	acc, err := h.accounts.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, nil, false, err
	}
	a, err := h.accounts.AccountByHandle(ctx, acc.Handle)
	if err != nil {
		return nil, nil, false, err
	}
	return f, a, true, nil
}

// linked verifies a signed follower link and loads its follower and
// account; ok is false when the explanation page was already written.
func (h *follow) linked(c echo.Context, purpose string) (*models.Follower, *models.PublicAccount, bool, error) {
	id, ok, err := h.verify(c, purpose)
	if !ok {
		return nil, nil, false, err
	}
	return h.followerAccount(c, id)
}

// confirmPage asks for a click before confirming: mail systems open every
// link in a message to check it, and must not complete a double opt-in on
// the person's behalf.
func (h *follow) confirmPage(c echo.Context) error {
	f, a, ok, err := h.linked(c, mailer.PurposeConfirm)
	if !ok {
		return err
	}
	switch f.Status {
	case models.StatusActive:
		return render(c, http.StatusOK, templates.FollowConfirmed(a))
	case models.StatusPending:
		return render(c, http.StatusOK, templates.FollowConfirmAsk(a, c.Request().URL.Path, f.Address))
	}
	return render(c, http.StatusGone, templates.LinkProblem("link.used_title", "link.used"))
}

func (h *follow) confirm(c echo.Context) error {
	f, a, ok, err := h.linked(c, mailer.PurposeConfirm)
	if !ok {
		return err
	}
	if _, err := h.followers.ConfirmFollow(c.Request().Context(), f.ID); errors.Is(err, models.ErrLinkUsed) {
		return render(c, http.StatusGone, templates.LinkProblem("link.used_title", "link.used"))
	} else if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FollowConfirmed(a))
}

// unsubscribePage asks before stopping: link checkers in mail systems open
// every link in a message, and must not unsubscribe people by doing so.
func (h *follow) unsubscribePage(c echo.Context) error {
	f, a, ok, err := h.linked(c, mailer.PurposeUnsubscribe)
	if !ok {
		return err
	}
	if f.Status != models.StatusActive && f.Status != models.StatusPending {
		return render(c, http.StatusOK, templates.Unsubscribed(a))
	}
	return render(c, http.StatusOK, templates.UnsubscribeAsk(a, c.Request().URL.Path, templates.ShownAddress(c.Request().Context(), f)))
}

func (h *follow) unsubscribe(c echo.Context) error {
	f, a, ok, err := h.linked(c, mailer.PurposeUnsubscribe)
	if !ok {
		return err
	}
	if _, err := h.followers.Unsubscribe(c.Request().Context(), f.ID); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.Unsubscribed(a))
}

func (h *follow) preferencesPage(c echo.Context, f *models.Follower, a *models.PublicAccount) error {
	choice := follower.AreaChoice{Mode: f.AreaMode, Districts: f.Districts, Lat: f.PlaceLat, Lon: f.PlaceLon}
	area, err := h.areaChoice(c, a.OrgID(), choice, "", "")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.Preferences(templates.PreferencesForm{
		Account: a, Follower: f, Action: c.Request().URL.Path, Unsubscribe: h.links.Unsubscribe(f.ID), Area: area,
	}))
}

func (h *follow) preferences(c echo.Context) error {
	f, a, ok, err := h.linked(c, mailer.PurposePreferences)
	if !ok {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.preferencesPage(c, f, a)
}

func (h *follow) savePreferences(c echo.Context) error {
	f, a, ok, err := h.linked(c, mailer.PurposePreferences)
	if !ok {
		return err
	}
	if f.Status != models.StatusActive && f.Status != models.StatusPending {
		return h.preferencesPage(c, f, a)
	}
	form, _ := c.FormParams()
	// A form without the "where" section (no districts, an older page)
	// leaves the follower's choice as it is.
	var choice *follower.AreaChoice
	posted, lat, lon := postedArea(c)
	if posted.Mode != "" {
		choice = &posted
	}
	_, err = h.followers.UpdatePreferences(c.Request().Context(), f.ID, c.FormValue("language"), form["topics"], choice)
	if v, ok := models.AsValidation(err); ok {
		area, aerr := h.areaChoice(c, a.OrgID(), posted, lat, lon)
		if aerr != nil {
			return aerr
		}
		return render(c, http.StatusUnprocessableEntity, templates.Preferences(templates.PreferencesForm{
			Account: a, Follower: f, Action: c.Request().URL.Path, Unsubscribe: h.links.Unsubscribe(f.ID), Area: area, Errors: v.Fields,
		}))
	}
	if err != nil {
		return err
	}
	// Only e-mail followers have the choice; a form without it (an older
	// page, another channel) leaves the digest as it is.
	if d := c.FormValue("digest"); d != "" && f.Channel == models.ChannelEmail {
		err := h.followers.SetDigest(c.Request().Context(), f.ID, d)
		if _, bad := models.AsValidation(err); bad {
			return echo.NewHTTPError(http.StatusBadRequest, "unknown digest choice")
		}
		if err != nil {
			return err
		}
	}
	return redirect(c, c.Request().URL.Path, "prefs.saved")
}
