package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/feeds"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/paths"
)

// feedArea serves notices in open formats: Atom, CAP 1.2 and GTFS-realtime.
// Every response is cacheable and answers conditional requests.
type feedArea struct {
	store      *models.Store
	notices    *notice.Service
	accounts   *account.Service
	broadcasts *broadcast.Service
	districts  *district.Service
	// media has the notices' files, which the feeds carry.
	media *media.Service
	site  feeds.Site
}

func registerFeeds(e *echo.Echo, h *feedArea) {
	pub := newPublicAccountRoutes(e, h.accounts)
	e.GET("/notices.atom", h.platformAtom)
	e.GET("/alerts.geojson", h.platformGeoJSON)
	e.GET("/notices/:file", h.cap)
	pub.GET("/notices.atom", h.accountAtom)
	pub.GET("/cap.atom", h.capIndex)
	pub.GET("/alerts.geojson", h.accountGeoJSON)
	pub.GET("/gtfs-rt/alerts", h.gtfsrt)
}

// serveFeed writes body with an ETag (a hash of the body), Last-Modified
// and a minute of caching. http.ServeContent answers the conditional
// requests (If-None-Match with weak and listed tags, If-Modified-Since,
// If-Match, ranges) and HEAD as RFC 9110 has them; it needs the ETag set
// before it is called.
func serveFeed(c echo.Context, contentType string, body []byte, modified time.Time) error {
	sum := sha256.Sum256(body)
	hdr := c.Response().Header()
	hdr.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	hdr.Set("Cache-Control", "public, max-age=60")
	hdr.Set("Content-Type", contentType)
	// A zero modified time sends no Last-Modified and ignores
	// If-Modified-Since.
	http.ServeContent(c.Response(), c.Request(), "", modified, bytes.NewReader(body))
	return nil
}

func (h *feedArea) platformAtom(c echo.Context) error {
	list, err := h.notices.LatestNotices(c.Request().Context(), 100)
	if err != nil {
		return err
	}
	lang := readerLang(c)
	items := make([]feeds.Item, len(list))
	for i := range list {
		items[i] = feeds.Item{Notice: &list[i].Notice, Handle: list[i].Handle, Account: list[i].LocalName(lang)}
	}
	if err := h.withFiles(c, items); err != nil {
		return err
	}
	body, modified, err := feeds.Atom(h.site, feeds.Feed{
		ID: h.site.BaseURL + "/notices", Title: "Plaza", Self: h.site.BaseURL + "/notices.atom",
		Alternate: h.site.BaseURL + "/alerts", Author: "Plaza", Lang: lang, CAP: true,
	}, items)
	if err != nil {
		return err
	}
	return serveFeed(c, feeds.AtomContentType, body, modified)
}

func (h *feedArea) accountAtom(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	list, _, err := h.notices.PublicNotices(ctx, a.ID, models.Page{Number: 1, Size: 50})
	if err != nil {
		return err
	}
	lang := readerLang(c)
	items := make([]feeds.Item, len(list))
	for i := range list {
		items[i] = feeds.Item{Notice: &list[i], Handle: a.Handle}
	}
	if err := h.withFiles(c, items); err != nil {
		return err
	}
	base := h.site.BaseURL + paths.Public(a.Handle)
	body, modified, err := feeds.Atom(h.site, feeds.Feed{
		ID: base + "/notices", Title: a.LocalName(lang), Self: base + "/notices.atom", Alternate: base,
		Author: a.OrgName, Lang: lang, CAP: true,
	}, items)
	if err != nil {
		return err
	}
	return serveFeed(c, feeds.AtomContentType, body, modified)
}

// capIndex is the Atom index of an account's CAP alerts in force, the form
// alert aggregators poll.
func (h *feedArea) capIndex(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	list, err := h.notices.LiveNotices(ctx, a.ID, []string{models.NoticeSafety}, h.store.Now())
	if err != nil {
		return err
	}
	lang := readerLang(c)
	var items []feeds.Item
	for i := range list {
		if feeds.CanCAP(&list[i]) {
			items = append(items, feeds.Item{Notice: &list[i], Handle: a.Handle})
		}
	}
	if err := h.withFiles(c, items); err != nil {
		return err
	}
	base := h.site.BaseURL + paths.Public(a.Handle)
	body, modified, err := feeds.Atom(h.site, feeds.Feed{
		ID: base + "/cap", Title: a.LocalName(lang) + " (CAP)", Self: base + "/cap.atom", Alternate: base + "/alerts",
		Author: a.OrgName, Lang: lang, CAP: true,
	}, items)
	if err != nil {
		return err
	}
	return serveFeed(c, feeds.AtomContentType, body, modified)
}

// cap serves /notices/{id}.cap.
func (h *feedArea) cap(c echo.Context) error {
	raw, ok := strings.CutSuffix(c.Param("file"), ".cap")
	id, err := strconv.ParseInt(raw, 10, 64)
	if !ok || err != nil || id <= 0 {
		return models.ErrNotFound
	}
	ctx := c.Request().Context()
	n, err := h.notices.NoticeByID(ctx, id)
	if err != nil {
		return err
	}
	if !feeds.CanCAP(n) {
		return models.ErrNotFound
	}
	acc, err := h.accounts.AccountByID(ctx, n.AccountID)
	if err != nil {
		return err
	}
	a, err := h.accounts.AccountByHandle(ctx, acc.Handle)
	if err != nil {
		return err
	}
	bs, err := h.broadcasts.ForNotice(ctx, n.ID)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return models.ErrNotFound
	}
	var ds []district.Shape
	if where := area.MustParse(n.Area); len(where.Districts) > 0 {
		atlas, err := h.districts.Atlas(ctx, a.OrganizationID)
		if err != nil {
			return err
		}
		ds = atlas.Of(a.OrganizationID, where)
	}
	files, err := h.media.NoticeFiles(ctx, n.ID)
	if err != nil {
		return err
	}
	body, err := feeds.CAP(h.site, a, n, bs, ds, feedResources(files)...)
	if err != nil {
		return err
	}
	return serveFeed(c, feeds.CAPContentType, body, n.UpdatedAt)
}

// withFiles gives each item (a published notice's) its files, read for
// all of them at once.
func (h *feedArea) withFiles(c echo.Context, items []feeds.Item) error {
	ids := make([]int64, len(items))
	for i := range items {
		ids[i] = items[i].Notice.ID
	}
	files, err := h.media.FilesOfNotices(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].Files = feedResources(files[items[i].Notice.ID])
	}
	return nil
}

// feedResources are a notice's files as the feeds carry them.
func feedResources(files []media.NoticeFile) []feeds.Resource {
	out := make([]feeds.Resource, len(files))
	for i := range files {
		f := &files[i]
		out[i] = feeds.Resource{Desc: f.Label(), MimeType: f.ContentType, Size: f.Size, Path: paths.Media(f.MediaPublicID), SHA1: f.Sha1}
	}
	return out
}

// gtfsrt is a transit account's service alerts: protobuf, or JSON with
// ?format=json.
func (h *feedArea) gtfsrt(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	now := h.store.Now()
	list, err := h.notices.LiveNotices(ctx, a.ID, []string{models.NoticeTransit, models.NoticeSafety}, now)
	if err != nil {
		return err
	}
	var modified time.Time
	for _, n := range list {
		if n.UpdatedAt.After(modified) {
			modified = n.UpdatedAt
		}
	}
	// The header's timestamp is when the content last changed, so an
	// unchanged feed keeps its ETag.
	stamp := modified
	if stamp.IsZero() {
		stamp = a.CreatedAt
	}
	asJSON := c.QueryParam("format") == "json"
	body, err := feeds.EncodeGTFSRT(feeds.ServiceAlerts(h.site, a.Handle, a.AgencyID(), list, stamp), asJSON)
	if err != nil {
		return err
	}
	ct := feeds.GTFSRTContentType
	if asJSON {
		ct = "application/json; charset=utf-8"
	}
	return serveFeed(c, ct, body, modified)
}

// platformGeoJSON is every account's alerts in force as GeoJSON, for maps.
func (h *feedArea) platformGeoJSON(c echo.Context) error { return h.alertsGeoJSON(c, 0) }

// accountGeoJSON is one account's alerts in force as GeoJSON.
func (h *feedArea) accountGeoJSON(c echo.Context) error {
	return h.alertsGeoJSON(c, publicAccount(c).ID)
}

// alertsGeoJSON serves the alerts in force of one account (or all, 0)
// as a FeatureCollection: the alerts the alerts page lists, with the
// districts of their organizations loaded once.
func (h *feedArea) alertsGeoJSON(c echo.Context, accountID int64) error {
	ctx := c.Request().Context()
	list, err := h.notices.ActiveAlerts(ctx, accountID, h.store.Now(), 500)
	if err != nil {
		return err
	}
	atlas, err := h.districts.Atlas(ctx, alertOrgs(list)...)
	if err != nil {
		return err
	}
	body, err := feeds.AlertsGeoJSON(h.site, list, atlas)
	if err != nil {
		return err
	}
	// No Last-Modified: an alert that expires leaves the feed without
	// anything changing a date, so only the ETag (of the body) can say
	// whether it changed.
	return serveFeed(c, feeds.GeoJSONContentType, body, time.Time{})
}

// alertOrgs are the organizations of the alerts whose area names
// districts: the only ones whose districts are worth loading.
func alertOrgs(list []models.Alert) []int64 {
	var out []int64
	for i := range list {
		if len(area.MustParse(list[i].Area).Districts) > 0 {
			out = append(out, list[i].OrganizationID)
		}
	}
	return out
}
