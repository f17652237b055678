package handlers

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// public serves what citizens see without signing in.
type public struct {
	store    *models.Store
	notices  *notice.Service
	accounts *account.Service
	files    *media.Service
	channels *channel.Service
	// projects gives the home page the consultations taking answers.
	projects *project.Service
}

func registerPublic(e *echo.Echo, h *public) {
	pub := newPublicAccountRoutes(e, h.accounts)
	e.GET("/", h.home)
	e.GET("/accounts", h.directory)
	pub.GET("", h.account)
	e.GET("/media/:id", h.media)
	e.GET("/lang/:lang", h.switchLang)
}

// publicAccountRoutes registers citizens' pages of one account, under
// /@:handle, each after loadPublicAccount. It adds route middleware only,
// no routes, and the account is the first thing each of these handlers
// needs, so their answers (status, headers, caching) are what they were
// when each looked the account up itself.
type publicAccountRoutes struct {
	e    *echo.Echo
	load echo.MiddlewareFunc
}

func newPublicAccountRoutes(e *echo.Echo, accounts *account.Service) publicAccountRoutes {
	return publicAccountRoutes{e: e, load: loadPublicAccount(accounts)}
}

func (r publicAccountRoutes) GET(path string, h echo.HandlerFunc) {
	r.e.GET("/@:handle"+path, h, r.load)
}

func (r publicAccountRoutes) POST(path string, h echo.HandlerFunc) {
	r.e.POST("/@:handle"+path, h, r.load)
}

// loadPublicAccount resolves :handle to the account citizens see, for
// publicAccount; a handle of no account is a 404.
func loadPublicAccount(accounts *account.Service) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a, err := accounts.AccountByHandle(c.Request().Context(), c.Param("handle"))
			if err != nil {
				return err
			}
			setValue(c, keyPublicAccount, a)
			return next(c)
		}
	}
}

// homeConsultations is how many open consultations the home page lists.
const homeConsultations = 3

func (h *public) home(c echo.Context) error {
	ctx := c.Request().Context()
	accounts, _, err := h.accounts.Directory(ctx, account.DirectoryFilter{}, models.Page{Number: 1, Size: 6})
	if err != nil {
		return err
	}
	// The alerts in force come first on the home page: a typhoon warning
	// must not be three clicks away.
	alerts, err := h.notices.ActiveAlerts(ctx, 0, h.store.Now(), 3)
	if err != nil {
		return err
	}
	// Then what people can have a say on: the consultations taking
	// answers, soonest to close first (PublicProjects lists them first).
	now := h.store.Now()
	projects, _, err := h.projects.PublicProjects(ctx, 0, models.Page{Number: 1, Size: homeConsultations})
	if err != nil {
		return err
	}
	var open []models.PublicProject
	for _, p := range projects {
		if p.Open(now) {
			open = append(open, p)
		}
	}
	offerInterfaceLanguages(c)
	return render(c, http.StatusOK, templates.Home(accounts, alerts, open, now))
}

func (h *public) directory(c echo.Context) error {
	q, category := c.QueryParam("q"), c.QueryParam("category")
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	page := pageParam(c)
	accounts, total, err := h.accounts.Directory(c.Request().Context(), account.DirectoryFilter{Query: q, Category: category}, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	offerInterfaceLanguages(c)
	return render(c, http.StatusOK, templates.Directory(accounts, q, category, pager))
}

func (h *public) account(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	notices, total, err := h.notices.PublicNotices(ctx, a.ID, models.Page{Number: 1, Size: 5})
	if err != nil {
		return err
	}
	push := false
	if templates.EnvOf(ctx).WebPushKey != "" {
		if push, err = h.channels.ChannelEnabled(ctx, a.ID, models.ChannelWebPush); err != nil {
			return err
		}
	}
	env := templates.EnvOf(ctx)
	env.Feed = paths.NoticesFeed(a.Handle)
	l := string(env.Lang)
	env.Share = &templates.Share{Title: a.LocalName(l), Description: templates.ShareText(a.LocalBio(l)),
		Path: paths.Public(a.Handle), Image: avatarPath(&a.Account), Type: "profile"}
	offerInterfaceLanguages(c)
	return render(c, http.StatusOK, templates.AccountPage(a, notices, total, push))
}

// media serves a stored file to whoever may see it (media.Service.ByPublicID);
// anyone else, and an identifier that names nothing, get the same 404.
func (h *public) media(c echo.Context) error {
	m, err := h.files.ByPublicID(c.Request().Context(), c.Param("id"), currentUser(c))
	if err != nil {
		return err
	}
	etag := `"` + m.Sha256 + `"`
	hdr := c.Response().Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", mediaCacheControl(m.Access))
	hdr.Set("Content-Disposition", mediaDisposition(m))
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, m.ContentType, m.Data)
}

// mediaCacheControl says who may keep a copy of a file, and for how long.
func mediaCacheControl(access media.Access) string {
	switch access {
	case media.Avatar:
		// A media row never changes (a new upload is a new row), and an
		// avatar is public for as long as it exists.
		return "public, max-age=31536000, immutable"
	case media.PublicNotice:
		// A published notice never goes back to draft, and its files
		// can no longer change (media.Service.AddNoticeFile).
		return "public, max-age=31536000, immutable"
	case media.PublicProject:
		// Staff can take a project off the public site; a shared cache
		// then stops serving its files within minutes, not a year later.
		return "public, max-age=300"
	default:
		// Only members may see it: no shared cache may keep it, and no
		// browser should leave it on a shared computer's disk.
		return "private, no-store"
	}
}

// mediaDisposition says whether the browser shows a file in the page or
// saves it: images show; a PDF is saved under the name it was uploaded
// with, so a timetable does not open a PDF viewer inside the site's
// origin.
func mediaDisposition(f *media.File) string {
	kind := "inline"
	if f.ContentType == "application/pdf" {
		kind = "attachment"
	}
	if f.Filename == "" {
		return kind
	}
	// FormatMediaType writes a non-ASCII name as filename*=UTF-8''...
	// (RFC 2231), and gives "" for a name it cannot write.
	if v := mime.FormatMediaType(kind, map[string]string{"filename": f.Filename}); v != "" {
		return v
	}
	return kind
}

// switchLang remembers the chosen language for a year and goes back to the
// page the visitor was reading. It is a plain link, so it works without
// JavaScript and from the keyboard.
func (h *public) switchLang(c echo.Context) error {
	l, ok := i18n.Parse(c.Param("lang"))
	if !ok {
		return models.ErrNotFound
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true, Secure: isHTTPS(c)})
	return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
}

// pageParam reads ?page=, treating anything odd as the first page.
func pageParam(c echo.Context) models.Page {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 || n > 100000 {
		n = 1
	}
	return models.Page{Number: n, Size: models.DefaultPageSize}
}

// offerInterfaceLanguages gives a public page hreflang alternates for
// each interface language: the page is the same in each, at ?lang=.
func offerInterfaceLanguages(c echo.Context) {
	var tags []string
	for _, l := range i18n.Langs() {
		tags = append(tags, l.Tag())
	}
	templates.EnvOf(c.Request().Context()).Alternates = tags
}

// avatarPath is the address of a's avatar, or "" when it has none.
func avatarPath(a *models.Account) string {
	if a.AvatarPublicID == nil {
		return ""
	}
	return paths.Media(*a.AvatarPublicID)
}
