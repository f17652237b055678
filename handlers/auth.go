package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/templates"
)

// loginWindow is the window the failed-login limit counts in.
const loginWindow = 15 * time.Minute

// authArea signs staff in and out and turns invites into memberships.
type authArea struct {
	store *models.Store
	cfg   Config
	log   *slog.Logger
}

func registerAuth(e *echo.Echo, h *authArea) {
	e.GET("/login", h.loginForm)
	e.POST("/login", h.login)
	e.POST("/logout", h.logout)
	e.GET("/account/password", h.passwordForm, requireUser)
	e.POST("/account/password", h.changePassword, requireUser)
	e.GET("/invite/:token", h.invite)
	e.POST("/invite/:token", h.acceptInvite)
}

func (h *authArea) loginForm(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return render(c, http.StatusOK, templates.Login(templates.LoginForm{Next: c.QueryParam("next")}))
}

func (h *authArea) login(c echo.Context) error {
	ctx := c.Request().Context()
	f := templates.LoginForm{Email: c.FormValue("email"), Next: c.FormValue("next")}
	limit := h.cfg.LoginLimit
	if limit <= 0 {
		limit = 5
	}
	// Two counters: one per address against guessing one staff member's
	// password, a wider one per client address against spraying many.
	keys := []struct {
		key   string
		limit int
	}{{AddressKey("login:email:", f.Email), limit}, {"login:ip:" + strings.ToValidUTF8(c.RealIP(), "?"), limit * 4}}
	for _, k := range keys {
		blocked, until, err := h.store.Blocked(ctx, k.key, k.limit)
		if err != nil {
			return err
		}
		if blocked {
			return h.tooMany(c, f, until)
		}
	}
	u, err := h.store.Authenticate(ctx, f.Email, c.FormValue("password"))
	if errors.Is(err, models.ErrNotFound) {
		for _, k := range keys {
			if _, _, err := h.store.Hit(ctx, k.key, k.limit, loginWindow); err != nil {
				return err
			}
		}
		f.Error = "login.failed"
		return render(c, http.StatusUnauthorized, templates.Login(f))
	}
	if err != nil {
		return err
	}
	if err := h.store.ResetLimit(ctx, keys[0].key); err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	next := safeNext(f.Next)
	if next == "/" {
		next = "/studio"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (h *authArea) tooMany(c echo.Context, f templates.LoginForm, until time.Time) error {
	minutes := int(time.Until(until).Minutes()) + 1
	c.Response().Header().Set("Retry-After", fmt.Sprint(minutes*60))
	f.Error = "login.too_many"
	return render(c, http.StatusTooManyRequests, templates.Login(f))
}

func (h *authArea) startSession(c echo.Context, u *models.User) error {
	token, _, err := h.store.CreateSession(c.Request().Context(), u.ID, c.Request().UserAgent())
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: int(models.SessionTTL.Seconds()),
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (h *authArea) logout(c echo.Context) error {
	if ck, err := c.Request().Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := h.store.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return redirect(c, "/", "flash.logged_out")
}

func (h *authArea) inviteForm(c echo.Context, token string) (templates.InviteForm, error) {
	ctx := c.Request().Context()
	inv, org, err := h.store.InviteByToken(ctx, token)
	if err != nil {
		return templates.InviteForm{}, err
	}
	f := templates.InviteForm{Token: token, Invite: inv, Org: org}
	if currentUser(c) == nil {
		if _, err := h.store.UserByEmail(ctx, inv.Email); err == nil {
			f.Existing = true
		} else if !errors.Is(err, models.ErrNotFound) {
			return f, err
		}
	}
	return f, nil
}

func (h *authArea) invite(c echo.Context) error {
	f, err := h.inviteForm(c, c.Param("token"))
	if errors.Is(err, models.ErrInviteUnusable) {
		return inviteGone(c)
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.InvitePage(f))
}

func (h *authArea) acceptInvite(c echo.Context) error {
	token := c.Param("token")
	f, err := h.inviteForm(c, token)
	if errors.Is(err, models.ErrInviteUnusable) {
		return inviteGone(c)
	}
	if err != nil {
		return err
	}
	user := currentUser(c)
	if user == nil && f.Existing {
		return c.Redirect(http.StatusSeeOther, "/login?next=/invite/"+token)
	}
	var nu *models.NewUser
	if user == nil {
		f.Name = c.FormValue("name")
		nu = &models.NewUser{Name: f.Name, Password: c.FormValue("password")}
	}
	joined, org, err := h.store.AcceptInvite(c.Request().Context(), token, user, nu)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.InvitePage(f))
	}
	if errors.Is(err, models.ErrInviteUnusable) {
		return inviteGone(c)
	}
	if err != nil {
		return err
	}
	if user == nil {
		if err := h.startSession(c, joined); err != nil {
			return err
		}
	}
	return redirect(c, fmt.Sprintf("/studio/orgs/%d", org.ID), "flash.joined")
}

// inviteGone tells the person the link was used, revoked or expired, and
// what to do: ask for a new one.
func inviteGone(c echo.Context) error {
	return render(c, http.StatusGone, templates.ErrorPage(http.StatusGone, "invite.unusable_title", "invite.unusable", ""))
}

func (h *authArea) passwordForm(c echo.Context) error {
	return render(c, http.StatusOK, templates.ChangePassword(templates.PasswordForm{}))
}

func (h *authArea) changePassword(c echo.Context) error {
	token := ""
	if ck, err := c.Request().Cookie(sessionCookie); err == nil {
		token = ck.Value
	}
	err := h.store.ChangePassword(c.Request().Context(), currentUser(c), c.FormValue("current"), c.FormValue("password"), token)
	if v, ok := models.AsValidation(err); ok {
		return render(c, http.StatusUnprocessableEntity, templates.ChangePassword(templates.PasswordForm{Errors: v.Fields}))
	}
	if err != nil {
		return err
	}
	return redirect(c, "/studio", "flash.password_changed")
}
