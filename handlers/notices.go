package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/markdown"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/testchat"
	"github.com/plazahq/plaza/paths"
	smscore "github.com/plazahq/plaza/sms"
	"github.com/plazahq/plaza/templates"
)

// notices is the studio area where staff write, publish, update and end
// an account's notices and watch their broadcasts.
type notices struct {
	store      *models.Store
	notices    *notice.Service
	broadcasts *broadcast.Service
	loc        *time.Location
	// gtfs offers the account's routes and stops and warns about unknown
	// ones (gtfs_notices.go).
	gtfs *gtfs.Service
	// districts are the organization's, for the area a notice applies to.
	districts *district.Service
	tileURL   string
	// baseURL is the public site's, for the notice's link in the SMS
	// preview.
	baseURL string
	// senders are the registered channels "send me a test" goes through:
	// e-mail, and the chat apps of the staff member's linked chats.
	senders *bridge.Registry
	// testChats are the chats staff linked for their tests.
	testChats *testchat.Service
	log       *slog.Logger
	// settings say which chat apps the account uses, for the chat
	// lengths of the publish confirmation.
	settings *channel.Service
	// media keeps the notices' images and documents.
	media *media.Service
}

func registerNotices(acc accountRoutes, s *studio) {
	loc := s.loc
	if loc == nil {
		loc = time.UTC
	}
	h := &notices{store: s.store, notices: s.notices, broadcasts: s.broadcasts, loc: loc, gtfs: s.gtfs, districts: s.districts, tileURL: s.tileURL, baseURL: s.baseURL, senders: s.channels, testChats: s.testChats, log: s.log, settings: s.channelSettings, media: s.media}
	view, write, publish := need(models.PermView), need(models.PermWrite), need(models.PermPublish)

	acc.GET("/notices", h.list, view)
	acc.GET("/notices/new", h.newNotice, write)
	acc.POST("/notices", h.create, write)
	acc.POST("/notices/preview", h.preview, write)
	acc.GET("/notices/audience", h.audience, view)
	acc.GET("/notices/:id", h.show, view)
	acc.POST("/notices/:id", h.save, write)
	acc.GET("/notices/:id/publish", h.confirmPublish, publish)
	acc.POST("/notices/:id/publish", h.publish, publish)
	acc.POST("/notices/:id/test", h.sendTest, write)
	acc.POST("/notices/:id/test-chats", h.linkTestChat, write)
	acc.GET("/notices/:id/test-chats/:chat/unlink", h.confirmUnlinkTestChat, write)
	acc.POST("/notices/:id/test-chats/:chat/unlink", h.unlinkTestChat, write)
	acc.POST("/notices/:id/unschedule", h.unschedule, publish)
	acc.GET("/notices/:id/update", h.updateForm, publish)
	acc.POST("/notices/:id/update", h.update, publish)
	acc.GET("/notices/:id/end", h.confirmEnd, publish)
	acc.POST("/notices/:id/end", h.end, publish)
	acc.GET("/notices/:id/delete", h.confirmDelete, write)
	acc.POST("/notices/:id/delete", h.remove, write)
	acc.POST("/notices/:id/files", h.upload, write)
	acc.GET("/notices/:id/files/:file/delete", h.confirmDeleteFile, write)
	acc.POST("/notices/:id/files/:file/delete", h.deleteFile, write)

	acc.GET("/broadcasts/:id", h.broadcast, view)
	acc.GET("/broadcasts/:id/progress", h.progress, view)
	acc.POST("/broadcasts/:id/retry", h.retry, publish)
	acc.GET("/broadcasts/:id/cancel", h.confirmCancel, publish)
	acc.POST("/broadcasts/:id/cancel", h.cancel, publish)
}

func (h *notices) notice(c echo.Context) (*models.Member, *models.Account, *models.Notice, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	n, err := h.notices.OrgNotice(c.Request().Context(), m, a, id)
	return m, a, n, err
}

func (h *notices) list(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f := notice.Filter{Status: c.QueryParam("status"), Query: c.QueryParam("q")}
	if !validNoticeStatus(f.Status) {
		f.Status = ""
	}
	if len([]rune(f.Query)) > 100 {
		f.Query = string([]rune(f.Query)[:100])
	}
	page := pageParam(c)
	list, total, err := h.notices.OrgNotices(c.Request().Context(), m, a, f, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	return render(c, http.StatusOK, templates.NoticeList(m, a, list, f, pager))
}

func validNoticeStatus(s string) bool {
	switch s {
	case models.NoticeDraft, models.NoticeScheduled, models.NoticePublished, models.NoticeUpdated,
		models.NoticeCancelled, models.NoticeExpired:
		return true
	}
	return false
}

// form reads the editor into the notice's input in one call (by its form
// tags). Times are datetime-local values in the configured zone; a
// malformed one is a field error, with everything else the staff member
// typed kept.
func (h *notices) form(c echo.Context, a *models.Account) (templates.NoticeForm, notice.Input) {
	var in notice.Input
	params, _ := c.FormParams()
	times, bad := bindForm(params, &in, h.loc)
	// The texts of each of the account's languages: title.<tag>, body.<tag>.
	in.Translations = notice.FormTranslations(params, a.LangList())
	f := templates.NoticeForm{Input: in, Times: times, Errors: map[string]string{}}
	for _, name := range bad {
		f.Errors[name] = "notices.err_time_format"
	}
	return f, in
}

// formOf fills the editor from a stored notice.
func (h *notices) formOf(n *models.Notice) templates.NoticeForm {
	in := notice.InputOf(n)
	// Lists read better with a space after each comma.
	in.Routes = notice.IDList(strings.ReplaceAll(n.Routes, ",", ", "))
	in.Stops = notice.IDList(strings.ReplaceAll(n.Stops, ",", ", "))
	return templates.NoticeForm{Input: in, ID: n.ID, Status: n.Status, Times: formTimes(in, h.loc), Errors: map[string]string{}}
}

func (h *notices) editor(c echo.Context, status int, m *models.Member, a *models.Account, f templates.NoticeForm) error {
	count, err := h.notices.AudienceCount(c.Request().Context(), m, a, editorAudience(f.Input))
	if _, bad := models.AsValidation(err); bad {
		count, err = 0, nil
	}
	if err != nil {
		return err
	}
	f.Audience = count
	if f.ID != 0 {
		if f.Files, err = h.media.NoticeFiles(c.Request().Context(), f.ID); err != nil {
			return err
		}
	}
	if f.GTFS, err = h.gtfsChoices(c.Request().Context(), a, f.Input); err != nil {
		return err
	}
	if f.Area, err = areaForm(c, h.districts, h.tileURL, a, f.Input.Area, f.Input.AreaDistrictIDs, f.Input.AreaGeoJSON); err != nil {
		return err
	}
	if ids := f.Input.Stops.List(); len(ids) > 0 && h.gtfs != nil {
		stops, err := h.gtfs.StopsByID(c.Request().Context(), a.ID, ids)
		if err != nil {
			return err
		}
		points := make([]templates.StopPoint, len(stops))
		for i, s := range stops {
			points[i] = templates.StopPoint{ID: s.ID, Name: s.Name, Lat: s.Lat, Lon: s.Lon}
		}
		f.Area.Map = templates.WithStops(f.Area.Map, points)
	}
	if f.ID != 0 && !f.Updating && m.Can(models.PermWrite) {
		if f.Test, err = h.testSend(c, m, a); err != nil {
			return err
		}
	}
	return render(c, status, templates.NoticeEditor(m, a, f, h.loc.String()))
}

func (h *notices) newNotice(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	kind := c.QueryParam("kind")
	if kind == "" {
		kind = models.NoticeGeneral
	}
	return h.editor(c, http.StatusOK, m, a, templates.NoticeForm{Input: notice.Input{Kind: kind}, Errors: map[string]string{}})
}

// afterSave goes where the editor's button asked: back to the editor, or
// to the confirmation before publishing.
func (h *notices) afterSave(c echo.Context, m *models.Member, a *models.Account, n *models.Notice) error {
	if c.FormValue("action") == "publish" && m.Can(models.PermPublish) {
		return c.Redirect(http.StatusSeeOther, paths.Notice(m.Org.ID, a.Handle, n.ID)+"/publish")
	}
	return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID), "notices.saved")
}

func (h *notices) create(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f, in := h.form(c, a)
	if c.FormValue("action") == "preview" {
		f.Preview = true
		return h.editor(c, http.StatusOK, m, a, f)
	}
	if len(f.Errors) > 0 {
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	n, err := h.notices.CreateNotice(c.Request().Context(), m, a, in)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	if err != nil {
		return err
	}
	return h.afterSave(c, m, a, n)
}

func (h *notices) show(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	if n.Editable() && m.Can(models.PermWrite) {
		f := h.formOf(n)
		return h.editor(c, http.StatusOK, m, a, f)
	}
	return h.detail(c, m, a, n)
}

func (h *notices) detail(c echo.Context, m *models.Member, a *models.Account, n *models.Notice) error {
	ctx := c.Request().Context()
	bs, err := h.broadcasts.ForNotice(ctx, n.ID)
	if err != nil {
		return err
	}
	count, err := h.notices.AudienceCount(ctx, m, a, notice.AudienceOf(n))
	if err != nil {
		return err
	}
	where, err := h.where(c, a, n)
	if err != nil {
		return err
	}
	files, err := h.media.NoticeFiles(ctx, n.ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.NoticeDetail(m, a, n, files, bs, count, where))
}

func (h *notices) save(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	f, in := h.form(c, a)
	f.ID, f.Status = n.ID, n.Status
	if c.FormValue("action") == "preview" {
		f.Preview = true
		return h.editor(c, http.StatusOK, m, a, f)
	}
	if len(f.Errors) > 0 {
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	n, err = h.notices.SaveNotice(c.Request().Context(), m, a, n.ID, in)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	if err != nil {
		return err
	}
	return h.afterSave(c, m, a, n)
}

// upload adds an image or a document to a draft or scheduled notice. A
// refused file brings the editor back, as stored, with the title typed
// and the reason.
func (h *notices) upload(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	title := c.FormValue("file_title")
	name, data, err := readUpload(c, "file", media.MaxDocumentBytes)
	if err == nil {
		_, err = h.media.AddNoticeFile(c.Request().Context(), m, a, n.ID, title, name, data)
	}
	if v, ok := models.AsValidation(err); ok && n.Editable() {
		f := h.formOf(n)
		f.Errors, f.FileTitle = v.Fields, title
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID)+"#files", "notices.file_added")
}

// confirmDeleteFile asks before a file of a draft or scheduled notice is
// removed; a file of another notice, or none, is a 404.
func (h *notices) confirmDeleteFile(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "file")
	if err != nil {
		return err
	}
	if !n.Editable() {
		return c.Redirect(http.StatusSeeOther, paths.Notice(m.Org.ID, a.Handle, n.ID))
	}
	files, err := h.media.NoticeFiles(c.Request().Context(), n.ID)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.ID == id {
			return render(c, http.StatusOK, templates.NoticeFileDeleteConfirm(m, a, n, f))
		}
	}
	return models.ErrNotFound
}

func (h *notices) deleteFile(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "file")
	if err != nil {
		return err
	}
	if err := h.media.DeleteNoticeFile(c.Request().Context(), m, a, n.ID, id); err != nil {
		return err
	}
	return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID)+"#files", "notices.file_deleted")
}

func (h *notices) preview(c echo.Context) error {
	// The editor's body of the language being typed (body.<tag>).
	body := c.FormValue("body." + c.QueryParam("lang"))
	if len(body) > 100000 {
		body = body[:100000]
	}
	return render(c, http.StatusOK, templates.NoticePreview(markdown.HTML(body)))
}

func (h *notices) audience(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	var in notice.Input
	bindForm(c.QueryParams(), &in, h.loc)
	aud, err := notice.FormAudience(in)
	if err == nil {
		aud.Tags = in.Tags
	}
	count := int64(0)
	if err == nil {
		count, err = h.notices.AudienceCount(c.Request().Context(), m, a, aud)
	}
	if v, ok := models.AsValidation(err); ok {
		// The count's place says what to fix (a shape that cannot be
		// read, an area scope without an area) while staff draw; a
		// fragment htmx swaps in, so 200.
		return render(c, http.StatusOK, templates.AudienceProblem(v.Fields))
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AudienceCount(count))
}

func (h *notices) confirmPublish(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	if !n.Editable() {
		return c.Redirect(http.StatusSeeOther, paths.Notice(m.Org.ID, a.Handle, n.ID))
	}
	ctx := c.Request().Context()
	count, err := h.notices.AudienceCount(ctx, m, a, notice.AudienceOf(n))
	if err != nil {
		return err
	}
	fallback, err := h.notices.FallbackAudience(ctx, m, a, n)
	if err != nil {
		return err
	}
	where, err := h.where(c, a, n)
	if err != nil {
		return err
	}
	cost, err := h.smsCost(c, m, a, n)
	if err != nil {
		return err
	}
	chat, err := h.chatLengths(c, a, n)
	if err != nil {
		return err
	}
	test, err := h.testSend(c, m, a)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.NoticePublishConfirm(m, a, n, count, fallback, nil, where, cost, chat, test))
}

// smsCost is what publishing n costs in SMS: for each language of the
// audience's SMS followers, the text as the SMS channel will send it
// (sms.Text over the content the engine renders) and its segments.
func (h *notices) smsCost(c echo.Context, m *models.Member, a *models.Account, n *models.Notice) (templates.SMSCost, error) {
	by, err := h.notices.ChannelAudience(c.Request().Context(), m, a, notice.AudienceOf(n), models.ChannelSMS)
	var cost templates.SMSCost
	if err != nil {
		return cost, err
	}
	langs := make([]string, 0, len(by))
	for lang := range by {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		l, _ := i18n.Parse(lang)
		text := sms.Text(broadcast.Preview(n, a, lang, h.baseURL, h.loc), l)
		fit := smscore.Fit(text)
		cost.Rows = append(cost.Rows, templates.SMSCostRow{Lang: lang, Text: text, Encoding: fit.Encoding,
			Segments: fit.Segments, Followers: by[lang]})
		cost.Followers += by[lang]
		cost.Messages += by[lang] * int64(fit.Segments)
	}
	return cost, nil
}

func (h *notices) publish(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	n2, b, err := h.notices.PublishNotice(c.Request().Context(), m, a, n.ID, notice.InputOf(n))
	if v, ok := models.AsValidation(err); ok {
		// Something needs fixing first: show it in the editor.
		f := h.formOf(n)
		f.Errors = v.Fields
		if n.Editable() {
			return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
		}
		count, _ := h.notices.AudienceCount(c.Request().Context(), m, a, notice.AudienceOf(n))
		fallback, _ := h.notices.FallbackAudience(c.Request().Context(), m, a, n)
		where, err := h.where(c, a, n)
		if err != nil {
			return err
		}
		cost, err := h.smsCost(c, m, a, n)
		if err != nil {
			return err
		}
		chat, err := h.chatLengths(c, a, n)
		if err != nil {
			return err
		}
		test, err := h.testSend(c, m, a)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, templates.NoticePublishConfirm(m, a, n, count, fallback, v.Fields, where, cost, chat, test))
	}
	if err != nil {
		return err
	}
	if b == nil {
		return redirect(c, paths.Notice(m.Org.ID, a.Handle, n2.ID), "notices.scheduled")
	}
	return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, b.ID), "notices.published")
}

func (h *notices) unschedule(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	if _, err := h.notices.Unschedule(c.Request().Context(), m, a, n.ID); err != nil {
		if _, ok := models.AsValidation(err); !ok {
			return err
		}
	}
	return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID), "notices.unscheduled")
}

func (h *notices) updateForm(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	if !n.Live() {
		return c.Redirect(http.StatusSeeOther, paths.Notice(m.Org.ID, a.Handle, n.ID))
	}
	f := h.formOf(n)
	f.Updating = true
	return h.editor(c, http.StatusOK, m, a, f)
}

func (h *notices) update(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	f, in := h.form(c, a)
	f.ID, f.Status, f.Updating = n.ID, n.Status, true
	if c.FormValue("action") == "preview" {
		f.Preview = true
		return h.editor(c, http.StatusOK, m, a, f)
	}
	if len(f.Errors) > 0 {
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	_, b, err := h.notices.UpdateNotice(c.Request().Context(), m, a, n.ID, in)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.editor(c, http.StatusUnprocessableEntity, m, a, f)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, b.ID), "notices.update_sent")
}

func endKind(c echo.Context) string {
	if v := c.QueryParam("how"); v != "" {
		return v
	}
	return c.FormValue("how")
}

func (h *notices) confirmEnd(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	how := endKind(c)
	if how != models.EndCancel && how != models.EndAllClear {
		return models.ErrNotFound
	}
	if !n.Live() {
		return c.Redirect(http.StatusSeeOther, paths.Notice(m.Org.ID, a.Handle, n.ID))
	}
	count, err := h.notices.AudienceCount(c.Request().Context(), m, a, notice.AudienceOf(n))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.NoticeEndConfirm(m, a, n, how, count))
}

func (h *notices) end(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	_, b, err := h.notices.EndNotice(c.Request().Context(), m, a, n.ID, endKind(c))
	if _, ok := models.AsValidation(err); ok {
		// Already ended, or no such ending: the page says where it stands.
		return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID), "notices.not_live")
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, b.ID), "notices.end_sent")
}

func (h *notices) confirmDelete(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	if n.Status != models.NoticeDraft {
		return c.Redirect(http.StatusSeeOther, paths.Notice(m.Org.ID, a.Handle, n.ID))
	}
	return render(c, http.StatusOK, templates.NoticeDeleteConfirm(m, a, n))
}

func (h *notices) remove(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	err = h.notices.DeleteNotice(c.Request().Context(), m, a, n.ID)
	if _, ok := models.AsValidation(err); ok {
		return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID), "notices.only_drafts_deleted")
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Notices(m.Org.ID, a.Handle), "notices.deleted")
}

func (h *notices) broadcastPage(c echo.Context) (*models.Member, *models.Account, *broadcast.Progress, *models.Notice, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	p, n, err := h.broadcasts.Progress(c.Request().Context(), m, a, id)
	return m, a, p, n, err
}

func (h *notices) broadcast(c echo.Context) error {
	m, a, p, n, err := h.broadcastPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	reasons, err := h.broadcasts.FailureReasons(ctx, m, a, p.ID)
	if err != nil {
		return err
	}
	page := pageParam(c)
	failed, total, err := h.broadcasts.Failures(ctx, m, a, p.ID, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.Path}
	return render(c, http.StatusOK, templates.BroadcastPage(m, a, p, n, reasons, failed, pager))
}

func (h *notices) progress(c echo.Context) error {
	m, a, p, _, err := h.broadcastPage(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, templates.BroadcastProgress(m, a, p))
}

func (h *notices) retry(c echo.Context) error {
	m, a, p, _, err := h.broadcastPage(c)
	if err != nil {
		return err
	}
	n, err := h.broadcasts.Retry(c.Request().Context(), m, a, p.ID)
	if _, ok := models.AsValidation(err); ok {
		return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, p.ID), "broadcasts.cannot_retry")
	}
	if err != nil {
		return err
	}
	key := "broadcasts.retried"
	if n == 0 {
		key = "broadcasts.nothing_to_retry"
	}
	return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, p.ID), key)
}

func (h *notices) confirmCancel(c echo.Context) error {
	m, a, p, n, err := h.broadcastPage(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.BroadcastCancelConfirm(m, a, p, n))
}

func (h *notices) cancel(c echo.Context) error {
	m, a, p, _, err := h.broadcastPage(c)
	if err != nil {
		return err
	}
	_, err = h.broadcasts.Cancel(c.Request().Context(), m, a, p.ID)
	var v *models.ValidationError
	if errors.As(err, &v) {
		return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, p.ID), "broadcasts.already_finished")
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Broadcast(m.Org.ID, a.Handle, p.ID), "broadcasts.cancelled")
}

// editorAudience is the audience of the editor's input, whether it was
// checked (area folded) or shown back as posted.
func editorAudience(in notice.Input) notice.Audience {
	if aud, err := notice.FormAudience(in); err == nil {
		return aud
	}
	return in.Audience()
}

// where is a notice's area in words for the studio's pages ("" without
// one).
func (h *notices) where(c echo.Context, a *models.Account, n *models.Notice) (string, error) {
	ar := area.MustParse(n.Area)
	if ar.IsZero() {
		return "", nil
	}
	ctx := c.Request().Context()
	shapes, err := districtShapes(ctx, h.districts, a.OrgID(), string(templates.EnvOf(ctx).Lang))
	if err != nil {
		return "", err
	}
	return templates.AreaText(ctx, ar, shapes), nil
}

// chatLimits are the chat apps whose messages have a length limit, with
// it: a notice longer than that is shortened to end with its link.
var chatLimits = []struct {
	channel string
	limit   int
}{{models.ChannelTelegram, telegram.MaxText}, {models.ChannelWeChat, wechat.MaxText}}

// chatLengths is the length of n as one chat message, in its default
// language, for each chat app the account uses: whether it fits whole or
// is shortened to end with its link.
func (h *notices) chatLengths(c echo.Context, a *models.Account, n *models.Notice) ([]templates.ChatLength, error) {
	enabled, err := h.settings.EnabledChannels(c.Request().Context(), a.ID)
	if err != nil {
		return nil, err
	}
	content := broadcast.Preview(n, a, n.DefaultLang, strings.TrimRight(h.baseURL, "/"), h.loc)
	length := utf8.RuneCountInString(content.Subject + "\n\n" + content.Text + "\n" + content.URL)
	var out []templates.ChatLength
	for _, cl := range chatLimits {
		if slices.Contains(enabled, cl.channel) {
			out = append(out, templates.ChatLength{Channel: cl.channel, Length: length, Limit: cl.limit})
		}
	}
	return out, nil
}
