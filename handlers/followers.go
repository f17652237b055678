package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// followerAdmin is where staff manage an account's followers.
type followerAdmin struct {
	store     *models.Store
	followers *follower.Service
	// districts name the districts followers chose.
	districts *district.Service
}

// growthDays is how many days the follower growth chart shows.
const growthDays = 30

// registerFollowers adds its routes to the organization's studio group g; the
// handlers may use the studio's dependencies. Everyone in the organization
// reads the list, with addresses masked for those who may not see contact
// details (no one outside it gets anything: the group answers 404);
// editors, moderators and owners tag and block; owners and moderators
// export the list; only owners export or erase one follower's data on
// request.
func registerFollowers(acc accountRoutes, s *studio) {
	h := &followerAdmin{store: s.store, followers: s.followers, districts: s.districts}
	view, manage, privacy := need(models.PermView), need(models.PermManageFollowers), need(models.PermPrivacy)

	acc.GET("/followers", h.list, view)
	acc.POST("/followers/bulk", h.bulk, manage)
	acc.GET("/followers/export.csv", h.exportCSV, need(models.PermContacts))
	acc.GET("/followers/:id", h.detail, view)
	acc.POST("/followers/:id/tags", h.setTags, manage)
	acc.POST("/followers/:id/block", h.block, manage)
	acc.GET("/followers/:id/export.json", h.exportJSON, privacy)
	acc.GET("/followers/:id/erase", h.confirmErase, privacy)
	acc.POST("/followers/:id/erase", h.erase, privacy)
}

// follower loads the account's :id follower.
func (h *followerAdmin) follower(c echo.Context) (*models.Member, *models.Account, *models.Follower, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := h.followers.FollowerForStaff(c.Request().Context(), m, a, id)
	return m, a, f, err
}

// parseFollowerFilter reads the list's filters from q. Dates are whole
// days (UTC); "to" includes its day. A bad value is reported for its field
// and left out of the filter.
func parseFollowerFilter(q url.Values) (templates.FollowerFilterForm, follower.FollowerFilter, map[string]string) {
	clip := func(s string, n int) string {
		s = strings.TrimSpace(s)
		if r := []rune(s); len(r) > n {
			return string(r[:n])
		}
		return s
	}
	form := templates.FollowerFilterForm{
		Q: clip(q.Get("q"), 200), Channel: clip(q.Get("channel"), 40), Status: clip(q.Get("status"), 20),
		Tag: clip(q.Get("tag"), 60), Scene: clip(q.Get("scene"), 64), From: clip(q.Get("from"), 10), To: clip(q.Get("to"), 10),
	}
	f := follower.FollowerFilter{Query: form.Q, Channel: form.Channel, Status: form.Status, Tag: form.Tag, Scene: form.Scene}
	errs := map[string]string{}
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			errs[field] = "followers.err_date"
			return time.Time{}
		}
		return d
	}
	f.From = day("from", form.From)
	if to := day("to", form.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if v, ok := models.AsValidation(f.Validate()); ok {
		for field, key := range v.Fields {
			errs[field] = key
			switch field {
			case "status":
				f.Status = ""
			case "tag":
				f.Tag = ""
			case "to":
				f.From, f.To = time.Time{}, time.Time{}
			case "q":
				f.Query = ""
			case "channel":
				f.Channel = ""
			case "scene":
				f.Scene = ""
			}
		}
	}
	return form, f, errs
}

func (h *followerAdmin) list(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	form, filter, errs := parseFollowerFilter(c.QueryParams())
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.listPage(c, status, m, a, form, filter, errs, pageParam(c), templates.FollowerBulkForm{})
}

func (h *followerAdmin) listPage(c echo.Context, status int, m *models.Member, a *models.Account, form templates.FollowerFilterForm,
	filter follower.FollowerFilter, errs map[string]string, page models.Page, bulk templates.FollowerBulkForm) error {
	ctx := c.Request().Context()
	rows, total, err := h.followers.ListFollowers(ctx, m, a, filter, page)
	if err != nil {
		return err
	}
	counts, err := h.followers.FollowerCounts(ctx, m, a)
	if err != nil {
		return err
	}
	facets, err := h.followers.FollowerFacets(ctx, m, a)
	if err != nil {
		return err
	}
	growth, err := h.followers.GrowthDaily(ctx, m, a, growthDays)
	if err != nil {
		return err
	}
	if filter.Channel != "" && !slices.Contains(facets.Channels, filter.Channel) {
		// A channel the account no longer offers still has followers.
		facets.Channels = append(facets.Channels, filter.Channel)
	}
	base := form.URL(paths.Followers(m.Org.ID, a.Handle), "", "")
	l := templates.FollowerList{
		Account: a, Filter: form, Errors: errs, Rows: rows, Total: total, Counts: counts, Facets: facets, Growth: growth, Bulk: bulk,
		Pager: templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: base},
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, status, templates.FollowersPage(m, l))
}

// formIDs reads the selected follower ids; anything that is not an id is
// dropped, and so is the selection of more than MaxBulk rows.
func formIDs(c echo.Context) []int64 {
	form, _ := c.FormParams()
	raw := append(form["ids"], form["ids[]"]...)
	seen := map[int64]bool{}
	var ids []int64
	for _, s := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

func (h *followerAdmin) bulk(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	back, _ := url.ParseQuery(c.FormValue("return"))
	form, filter, ferrs := parseFollowerFilter(back)
	page := models.Page{Number: 1, Size: models.DefaultPageSize}
	if n, err := strconv.Atoi(back.Get("page")); err == nil && n > 0 && n <= 100000 {
		page.Number = n
	}
	ids := formIDs(c)
	bulk := templates.FollowerBulkForm{Action: c.FormValue("action"), Tag: strings.TrimSpace(c.FormValue("tag")), Selected: map[int64]bool{}}
	for _, id := range ids {
		bulk.Selected[id] = true
	}
	var err error
	switch bulk.Action {
	case "add_tag":
		_, err = h.followers.BulkTag(ctx, m, a, ids, []string{bulk.Tag}, nil)
	case "remove_tag":
		_, err = h.followers.BulkTag(ctx, m, a, ids, nil, []string{bulk.Tag})
	case "block", "unblock":
		_, err = h.followers.SetBlocked(ctx, m, a, ids, bulk.Action == "block")
	default:
		v := &models.ValidationError{}
		v.Add("action", "followers.err_action")
		if len(ids) == 0 {
			v.Add("ids", "followers.err_no_selection")
		}
		err = v
	}
	if v, ok := models.AsValidation(err); ok {
		bulk.Errors = v.Fields
		return h.listPage(c, http.StatusUnprocessableEntity, m, a, form, filter, ferrs, page, bulk)
	}
	if err != nil {
		return err
	}
	// Back to the list as it was; only the list's own parameters go into
	// the URL.
	keep := form.Values()
	if page.Number > 1 {
		keep.Set("page", strconv.Itoa(page.Number))
	}
	to := paths.Followers(m.Org.ID, a.Handle)
	if len(keep) > 0 {
		to += "?" + keep.Encode()
	}
	return redirect(c, to, bulkFlash[bulk.Action])
}

// bulkFlash is the notice after each bulk action.
var bulkFlash = map[string]string{
	"add_tag":    "flash.followers_add_tag",
	"remove_tag": "flash.followers_remove_tag",
	"block":      "flash.followers_block",
	"unblock":    "flash.followers_unblock",
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// filterSummary describes a filter for the audit log, without the search
// text (it may be someone's address).
func filterSummary(f templates.FollowerFilterForm) string {
	v := f.Values()
	if v.Has("q") {
		v.Set("q", "…")
	}
	if len(v) == 0 {
		return "all"
	}
	s, _ := url.QueryUnescape(v.Encode())
	return s
}

// exportCSV streams the followers matching the list's current filter as
// CSV: UTF-8 with a byte-order mark (so spreadsheet programs read Chinese
// names right), written as it is read, for as long as the download keeps
// moving (streamWriter).
func (h *followerAdmin) exportCSV(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	form, filter, errs := parseFollowerFilter(c.QueryParams())
	if len(errs) > 0 {
		return h.listPage(c, http.StatusUnprocessableEntity, m, a, form, filter, errs, models.Page{Number: 1}, templates.FollowerBulkForm{})
	}
	name := fmt.Sprintf("followers-%s-%s.csv", a.Handle, h.store.Now().Format("2006-01-02"))
	d := newCSVDownload(c.Response(), name)
	header := []string{"address", "name", "channel", "status", "language", "tags", "scene", "source",
		"followed_at", "confirmed_at", "unsubscribed_at"}
	err := h.followers.ExportFollowers(c.Request().Context(), m, a, filter, filterSummary(form), func(f *models.Follower) error {
		if !d.started {
			if err := d.begin(header); err != nil {
				return err
			}
		}
		created := f.CreatedAt
		return d.row([]string{models.OutsideAddress(f.Channel, f.Address), f.Name, f.Channel, f.Status, f.Language, strings.Join(f.Tags, " "), f.Scene, f.Source,
			csvTime(&created), csvTime(f.ConfirmedAt), csvTime(f.UnsubscribedAt)})
	})
	if err == nil && !d.started {
		err = d.begin(header)
	}
	return d.end(err, "followers csv")
}

func (h *followerAdmin) detailPage(c echo.Context, status int, m *models.Member, a *models.Account, f *models.Follower,
	tagsInput string, errs map[string]string) error {
	events, err := h.followers.FollowerEvents(c.Request().Context(), m, a, f.ID)
	if err != nil {
		return err
	}
	where, err := h.where(c, a, f)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, status, templates.FollowerDetailPage(m, templates.FollowerDetail{
		Account: a, Follower: f, Events: events, TagsInput: tagsInput, Errors: errs, Where: where,
	}))
}

func (h *followerAdmin) detail(c echo.Context) error {
	m, a, f, err := h.follower(c)
	if err != nil {
		return err
	}
	return h.detailPage(c, http.StatusOK, m, a, f, strings.Join(f.Tags, ", "), nil)
}

func (h *followerAdmin) setTags(c echo.Context) error {
	m, a, f, err := h.follower(c)
	if err != nil {
		return err
	}
	input := c.FormValue("tags")
	tags := strings.FieldsFunc(input, func(r rune) bool { return r == ',' || r == '，' || r == '\n' })
	err = h.followers.SetFollowerTags(c.Request().Context(), m, a, f.ID, tags)
	if v, ok := models.AsValidation(err); ok {
		return h.detailPage(c, http.StatusUnprocessableEntity, m, a, f, input, v.Fields)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Follower(m.Org.ID, a.Handle, f.ID), "flash.saved")
}

func (h *followerAdmin) block(c echo.Context) error {
	m, a, f, err := h.follower(c)
	if err != nil {
		return err
	}
	blocked := c.FormValue("blocked") == "1"
	if _, err := h.followers.SetBlocked(c.Request().Context(), m, a, []int64{f.ID}, blocked); err != nil {
		return err
	}
	flash := "flash.followers_unblock"
	if blocked {
		flash = "flash.followers_block"
	}
	return redirect(c, paths.Follower(m.Org.ID, a.Handle, f.ID), flash)
}

func (h *followerAdmin) exportJSON(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.followers.ExportFollower(c.Request().Context(), m, a, id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="follower-%s-%d.json"`, a.Handle, id))
	hdr.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, append(b, '\n'))
}

func (h *followerAdmin) confirmErase(c echo.Context) error {
	m, a, f, err := h.follower(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, templates.ConfirmEraseFollower(m, a, f))
}

func (h *followerAdmin) erase(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := h.followers.EraseFollower(c.Request().Context(), m, a, id); err != nil {
		return err
	}
	return redirect(c, paths.Followers(m.Org.ID, a.Handle), "flash.follower_erased")
}

// where says in words where a follower wants alerts for: everywhere,
// their districts by name, or their place (its coordinates only when
// FollowerForStaff left them, for staff who may see contact details).
func (h *followerAdmin) where(c echo.Context, a *models.Account, f *models.Follower) (string, error) {
	ctx := c.Request().Context()
	if f.AreaMode != models.AreaDistricts && f.AreaMode != models.AreaPlace {
		return i18n.T(templates.EnvOf(ctx).Lang, "followers.area_all"), nil
	}
	shapes, err := districtShapes(ctx, h.districts, a.OrgID(), string(templates.EnvOf(ctx).Lang))
	if err != nil {
		return "", err
	}
	name := func(id int64) string {
		for _, d := range shapes {
			if d.ID == id {
				return d.Name
			}
		}
		return ""
	}
	if f.AreaMode == models.AreaDistricts {
		var names []string
		for _, id := range f.Districts {
			if n := name(id); n != "" {
				names = append(names, n)
			}
		}
		return i18n.T(templates.EnvOf(ctx).Lang, "area.text_districts", strings.Join(names, ", ")), nil
	}
	district := i18n.T(templates.EnvOf(ctx).Lang, "followers.area_no_district")
	if f.PlaceDistrictID != nil {
		if n := name(*f.PlaceDistrictID); n != "" {
			district = n
		}
	}
	if f.PlaceLat != nil && f.PlaceLon != nil {
		return i18n.T(templates.EnvOf(ctx).Lang, "followers.area_place", strconv.FormatFloat(*f.PlaceLat, 'f', 3, 64)+", "+strconv.FormatFloat(*f.PlaceLon, 'f', 3, 64), district), nil
	}
	return i18n.T(templates.EnvOf(ctx).Lang, "followers.area_place_hidden", district), nil
}
