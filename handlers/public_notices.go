package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/qr"
	"github.com/plazahq/plaza/templates"
)

// publicNotices serves notices to citizens: lists, pages and the alerts in
// force (the feeds are in feeds.go).
type publicNotices struct {
	store     *models.Store
	notices   *notice.Service
	accounts  *account.Service
	districts *district.Service
	// broadcasts hold what each update told followers: a notice's history.
	broadcasts *broadcast.Service
	tileURL    string
	// channels say which chat apps the account uses, for share links.
	channels *channel.Service
	// media has the notices' images and documents.
	media *media.Service
}

func registerPublicNotices(e *echo.Echo, h *publicNotices) {
	pub := newPublicAccountRoutes(e, h.accounts)
	e.GET("/alerts", h.allAlerts)
	pub.GET("/notices", h.list)
	pub.GET("/notices/:id", h.show)
	pub.GET("/alerts", h.alerts)
}

// readerLang is the language a notice is read in: ?lang= when it names
// one, else the page's language.
func readerLang(c echo.Context) string {
	// Any content language the list knows, even one the interface does
	// not speak (?lang=ms shows a Malay version in an English page).
	if tag, ok := i18n.CanonicalTag(c.QueryParam("lang")); ok {
		return tag
	}
	return string(templates.EnvOf(c.Request().Context()).Lang)
}

func (h *publicNotices) list(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	page := pageParam(c)
	list, total, err := h.notices.PublicNotices(ctx, a.ID, page)
	if err != nil {
		return err
	}
	templates.EnvOf(ctx).Feed = paths.NoticesFeed(a.Handle)
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.Path}
	return render(c, http.StatusOK, templates.PublicNoticeList(a, list, pager))
}

func (h *publicNotices) show(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.notices.PublicNotice(ctx, a.ID, id)
	if err != nil {
		return err
	}
	templates.EnvOf(ctx).Alternates = n.Languages()
	where, err := areaView(ctx, h.districts, h.tileURL, a.OrgID(), n.Area)
	if err != nil {
		return err
	}
	versions, err := h.broadcasts.Versions(ctx, n.ID)
	if err != nil {
		return err
	}
	files, err := h.media.NoticeFiles(ctx, n.ID)
	if err != nil {
		return err
	}
	lang := readerLang(c)
	templates.EnvOf(ctx).Share = &templates.Share{Title: n.Title(lang), Description: templates.ShareText(n.Body(lang)),
		Path: paths.PublicNotice(a.Handle, n.ID), Image: noticeImage(files, &a.Account), Type: "article"}
	share, err := h.shareWays(c, a, n, lang)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.PublicNotice(a, n, files, lang, where, noticeHistory(versions, lang), share))
}

// noticeImage is the picture of a notice's link preview: its first
// image (a diversion map says more than the account's logo), else the
// account's avatar, else none.
func noticeImage(files []media.NoticeFile, a *models.Account) string {
	for _, f := range files {
		if f.Kind == "image" {
			return paths.Media(f.MediaPublicID)
		}
	}
	return avatarPath(a)
}

// noticeHistory pairs each version of a notice with the one before, and
// what changed between them for a reader of lang.
func noticeHistory(versions []broadcast.Version, lang string) []templates.NoticeUpdate {
	out := make([]templates.NoticeUpdate, len(versions))
	for i, v := range versions {
		out[i] = templates.NoticeUpdate{Kind: v.Kind, At: v.At, After: v.Notice}
		if i > 0 {
			out[i].Before = versions[i-1].Notice
			out[i].Changed = notice.Changes(out[i].Before, v.Notice, lang)
		}
	}
	return out
}

func (h *publicNotices) alerts(c echo.Context) error {
	a := publicAccount(c)
	return h.alertsPage(c, a, a.ID, 100)
}

func (h *publicNotices) allAlerts(c echo.Context) error { return h.alertsPage(c, nil, 0, 200) }

// alertsPage lists the alerts in force of one account (or all, 0); with
// ?near=lat,lon only those whose area holds the point, and those without
// an area, which apply everywhere. A near that is no place gets the page
// back with a message and every alert.
func (h *publicNotices) alertsPage(c echo.Context, a *models.PublicAccount, accountID int64, limit int) error {
	ctx := c.Request().Context()
	list, err := h.notices.ActiveAlerts(ctx, accountID, h.store.Now(), limit)
	if err != nil {
		return err
	}
	near := parseNear(c.QueryParam("near"))
	if near.Bad {
		return render(c, http.StatusBadRequest, templates.AlertsPage(a, list, near))
	}
	if near.Set() {
		atlas, err := h.districts.Atlas(ctx, alertOrgs(list)...)
		if err != nil {
			return err
		}
		kept := list[:0]
		for _, al := range list {
			where := area.MustParse(al.Area)
			if where.IsZero() || atlas.Contains(al.OrganizationID, where, near.Lat, near.Lon) {
				kept = append(kept, al)
			}
		}
		list = kept
	}
	return render(c, http.StatusOK, templates.AlertsPage(a, list, near))
}

// maxNear is the longest ?near= read; anything longer is no place.
const maxNear = 60

// parseNear reads "lat,lon" (or "lat lon"; a Chinese or Arabic comma
// does too), in degrees on the globe.
func parseNear(raw string) templates.Near {
	n := templates.Near{Raw: strings.TrimSpace(raw)}
	if n.Raw == "" {
		return n
	}
	parts := strings.FieldsFunc(n.Raw, func(r rune) bool {
		return r == ',' || r == '，' || r == '،' || r == '、' || unicode.IsSpace(r)
	})
	if len(n.Raw) > maxNear || len(parts) != 2 {
		n.Bad = true
		if r := []rune(n.Raw); len(r) > maxNear {
			n.Raw = string(r[:maxNear])
		}
		return n
	}
	lat, err1 := strconv.ParseFloat(parts[0], 64)
	lon, err2 := strconv.ParseFloat(parts[1], 64)
	// The comparisons also refuse NaN; infinities are out of range.
	if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		n.Bad = true
		return n
	}
	n.Lat, n.Lon = lat, lon
	return n
}

// shareWays are the page's share links: its absolute address, and the
// chat apps the account has switched on.
func (h *publicNotices) shareWays(c echo.Context, a *models.PublicAccount, n *models.Notice, lang string) (templates.ShareWays, error) {
	ctx := c.Request().Context()
	s := templates.ShareWays{URL: templates.EnvOf(ctx).BaseURL + paths.PublicNotice(a.Handle, n.ID)}
	enabled, err := h.channels.EnabledChannels(ctx, a.ID)
	if err != nil {
		return s, err
	}
	for _, ch := range enabled {
		switch ch {
		case models.ChannelTelegram:
			s.Telegram = "https://t.me/share/url?" + url.Values{"url": {s.URL}, "text": {n.Title(lang)}}.Encode()
		case models.ChannelWeChat:
			svg, err := qr.SVG(s.URL)
			if err != nil {
				return s, fmt.Errorf("share code of notice %d: %w", n.ID, err)
			}
			s.WeChatSVG = string(svg)
		}
	}
	return s, nil
}
