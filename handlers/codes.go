package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/qr"
	"github.com/plazahq/plaza/templates"
)

// codes is the studio area of an account's follow QR codes: their list,
// pages, images, posters and numbers.
type codes struct {
	store *models.Store
	codes *followcode.Service
	// settings tell whether the account has WeChat enabled.
	settings *channel.Service
	baseURL  string
	// wechat makes parameterized QR codes (nil: no WeChat channel).
	wechat followQRMaker
	log    *slog.Logger
}

// followQRMaker is the WeChat channel's part the codes need.
type followQRMaker interface {
	FollowQR(ctx context.Context, accountID int64, scene string) (string, error)
}

// chartDays is how many days the chart of a code covers.
const chartDays = 30

// registerCodes adds its routes to the studio's account routes; the
// handlers may use the studio's dependencies.
func registerCodes(acc accountRoutes, s *studio) {
	h := &codes{store: s.store, codes: s.codes, settings: s.channelSettings, baseURL: strings.TrimRight(s.baseURL, "/"), log: s.log}
	h.wechat, _ = s.chat[models.ChannelWeChat].(followQRMaker)
	view, write := need(models.PermView), need(models.PermWrite)

	acc.GET("/codes", h.list, view)
	acc.GET("/codes/new", h.newCode, write)
	acc.POST("/codes", h.create, write)
	acc.GET("/codes/:id", h.show, view)
	acc.POST("/codes/:id", h.update, write)
	acc.GET("/codes/:id/expire", h.confirmExpire, write)
	acc.POST("/codes/:id/expire", h.expire, write)
	acc.GET("/codes/:id/qr.png", h.png, view)
	acc.GET("/codes/:id/qr.svg", h.svg, view)
	acc.GET("/codes/:id/poster", h.poster, view)
	acc.POST("/codes/:id/wechat", h.wechatCode, write)
	acc.GET("/codes/:id/wechat.png", h.wechatPNG, view)
}

// shortURL is the absolute link a code's QR image encodes.
func (h *codes) shortURL(code string) string { return h.baseURL + "/q/" + code }

// code loads the account's code of the path; either missing, or of
// another organization, is a 404.
func (h *codes) code(c echo.Context) (*models.Member, *models.Account, *followcode.FollowCodeStats, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	code, err := h.codes.FollowCodeByID(c.Request().Context(), m, a, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, a, code, nil
}

func (h *codes) list(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	list, err := h.codes.ListFollowCodes(c.Request().Context(), m, a)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.CodeList(m, a, list, h.store.Now()))
}

func (h *codes) newCode(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	return render(c, http.StatusOK, templates.CodeNew(m, a, templates.CodeForm{}))
}

// parseLastDay reads the form's optional last day (YYYY-MM-DD); the code
// expires at the midnight (UTC) that ends it.
func parseLastDay(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, false
	}
	end := d.AddDate(0, 0, 1)
	return &end, true
}

func codeForm(c echo.Context) templates.CodeForm {
	return templates.CodeForm{Name: c.FormValue("name"), Scene: c.FormValue("scene"), ExpiresOn: strings.TrimSpace(c.FormValue("expires_on"))}
}

func (h *codes) create(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f := codeForm(c)
	expires, ok := parseLastDay(f.ExpiresOn)
	if !ok {
		f.Errors = map[string]string{"expires_on": "err.date_format"}
		return render(c, http.StatusUnprocessableEntity, templates.CodeNew(m, a, f))
	}
	code, err := h.codes.CreateFollowCode(c.Request().Context(), m, a, followcode.FollowCodeInput{Name: f.Name, Scene: f.Scene, ExpiresAt: expires})
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.CodeNew(m, a, f))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Code(m.Org.ID, a.Handle, code.ID), "codes.created")
}

func (h *codes) page(c echo.Context, status int, m *models.Member, a *models.Account, code *followcode.FollowCodeStats, f templates.CodeForm) error {
	return h.pageWith(c, status, m, a, code, f, "")
}

func (h *codes) pageWith(c echo.Context, status int, m *models.Member, a *models.Account, code *followcode.FollowCodeStats, f templates.CodeForm, wechatProblem string) error {
	ctx := c.Request().Context()
	wx, err := h.settings.Of(ctx, a.ID, models.ChannelWeChat)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	days, err := h.codes.CodeDailyStats(ctx, &code.FollowCode, chartDays)
	if err != nil {
		return err
	}
	devices, err := h.codes.CodeDevices(ctx, &code.FollowCode)
	if err != nil {
		return err
	}
	return render(c, status, templates.CodeDetail(m, templates.CodePage{
		Account: a, Code: code, ShortURL: h.shortURL(code.Code), Days: days, Devices: devices, Form: f, Now: h.store.Now(),
		WeChat: h.wechat != nil && wx != nil && wx.Enabled, WeChatProblem: wechatProblem,
	}))
}

func (h *codes) show(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	f := templates.CodeForm{Name: code.Name, Scene: code.Scene, ExpiresOn: templates.CodeExpiresOn(&code.FollowCode)}
	return h.page(c, http.StatusOK, m, a, code, f)
}

func (h *codes) update(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	f := codeForm(c)
	f.Scene = code.Scene
	in := followcode.FollowCodeUpdate{Name: f.Name, ExpiresAt: code.ExpiresAt}
	// An unchanged day keeps the exact expiry, which need not be a midnight.
	if f.ExpiresOn != templates.CodeExpiresOn(&code.FollowCode) {
		expires, ok := parseLastDay(f.ExpiresOn)
		if !ok {
			f.Errors = map[string]string{"expires_on": "err.date_format"}
			return h.page(c, http.StatusUnprocessableEntity, m, a, code, f)
		}
		in.ExpiresAt = expires
	}
	err = h.codes.UpdateFollowCode(c.Request().Context(), m, a, &code.FollowCode, in)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.page(c, http.StatusUnprocessableEntity, m, a, code, f)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Code(m.Org.ID, a.Handle, code.ID), "codes.saved")
}

func (h *codes) confirmExpire(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.CodeExpireAsk(m, a, code, h.store.Now()))
}

func (h *codes) expire(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	if err := h.codes.ExpireFollowCode(c.Request().Context(), m, a, &code.FollowCode); err != nil {
		return err
	}
	return redirect(c, paths.Code(m.Org.ID, a.Handle, code.ID), "codes.expired")
}

// sendAttachment sends a download named after the account and the scene, which
// are both plain ASCII by construction.
func sendAttachment(c echo.Context, contentType, filename string, body []byte) error {
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	hd.Set("Cache-Control", "private, max-age=3600")
	return c.Blob(http.StatusOK, contentType, body)
}

func (h *codes) png(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	size := 512
	if s := c.QueryParam("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !qr.ValidSize(n) {
			back := paths.Code(m.Org.ID, a.Handle, code.ID)
			return render(c, http.StatusBadRequest, templates.ErrorPage(http.StatusBadRequest, "codes.bad_size_title", "codes.bad_size", back))
		}
		size = n
	}
	img, err := qr.PNG(h.shortURL(code.Code), size)
	if err != nil {
		return err
	}
	return sendAttachment(c, "image/png", a.Handle+"-"+code.Scene+"-"+strconv.Itoa(size)+".png", img)
}

func (h *codes) svg(c echo.Context) error {
	_, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	svg, err := qr.SVG(h.shortURL(code.Code))
	if err != nil {
		return err
	}
	body := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), svg...)
	return sendAttachment(c, "image/svg+xml", a.Handle+"-"+code.Scene+".svg", body)
}

func (h *codes) poster(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	link := h.shortURL(code.Code)
	svg, err := qr.SVG(link)
	if err != nil {
		return err
	}
	text := strings.TrimPrefix(strings.TrimPrefix(link, "https://"), "http://")
	ctx := c.Request().Context()
	enabled, err := h.settings.EnabledChannels(ctx, a.ID)
	if err != nil {
		return err
	}
	fw, err := followWays(ctx, h.settings, a.ID, enabled, &code.FollowCode, "")
	if err != nil {
		return err
	}
	ways := templates.PosterWays{FollowWays: fw}
	if fw.WeChat != nil && fw.WeChat.Link != "" {
		wx, err := qr.SVG(fw.WeChat.Link)
		if err != nil {
			return err
		}
		ways.WeChatSVG = string(wx)
	}
	return render(c, http.StatusOK, templates.CodePoster(m, a, code, link, text, string(svg), ways, h.store.Now()))
}

// wechatCode asks WeChat for a parameterized QR code carrying the code's
// scene, so people who scan it in WeChat follow the official account and
// arrive with the scene like those who scan the Plaza code.
func (h *codes) wechatCode(c echo.Context) error {
	m, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	if h.wechat == nil {
		return models.ErrNotFound
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 15*time.Second)
	defer cancel()
	u, err := h.wechat.FollowQR(ctx, a.ID, code.Scene)
	if err == nil {
		err = h.codes.SetWeChatCodeURL(c.Request().Context(), m, a, &code.FollowCode, u)
	}
	if err != nil && !errors.Is(err, models.ErrForbidden) && !errors.Is(err, models.ErrNotFound) {
		f := templates.CodeForm{Name: code.Name, Scene: code.Scene, ExpiresOn: templates.CodeExpiresOn(&code.FollowCode)}
		status := http.StatusBadGateway
		if errors.Is(err, wechat.ErrNotConfigured) {
			status = http.StatusUnprocessableEntity
		}
		problem, args := platformProblem(h.log, c, "WeChat follow code", err)
		return h.pageWith(c, status, m, a, code, f, i18n.T(langOf(c), problem, args...))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Code(m.Org.ID, a.Handle, code.ID), "codes.wechat_made")
}

// wechatPNG draws WeChat's code URL as a QR image.
func (h *codes) wechatPNG(c echo.Context) error {
	_, a, code, err := h.code(c)
	if err != nil {
		return err
	}
	if code.WeChatURL == "" {
		return models.ErrNotFound
	}
	img, err := qr.PNG(code.WeChatURL, 1024)
	if err != nil {
		return err
	}
	return sendAttachment(c, "image/png", a.Handle+"-"+code.Scene+"-wechat.png", img)
}
