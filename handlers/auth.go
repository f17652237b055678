package handlers

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// loginWindow is the window the per-client limit (failures from one
// network, for any addresses) counts in.
const loginWindow = 15 * time.Minute

// loginAddressCeiling is how many failed sign-ins one address may have per
// hour from everywhere together. It is high on purpose: reaching it takes
// many networks (one network is slowed down long before), and it blocks
// the real person too, so it is only a brake on guessing from very many
// places at once.
const loginAddressCeiling = 100

// loginBackoff is how a pair of (address, client) is slowed down: free
// attempts, then a lock of a minute that doubles with every further
// failure up to 15 minutes. It locks only that pair, so a stranger's
// failures do not keep the real person out of their own account.
func loginBackoff(free int) models.Backoff {
	return models.Backoff{Free: free, Base: time.Minute, Max: 15 * time.Minute, Forget: time.Hour}
}

// LoginKey is the key the failed sign-ins of one typed address from one
// client are counted under.
func LoginKey(typed, client string) string {
	return AddressKey("login:fail:"+client+":", typed)
}

// authArea signs staff in and out and lets invited people join their
// organization.
type authArea struct {
	store *models.Store
	orgs  *org.Service
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
	client := clientOf(c)
	pair, backoff := LoginKey(f.Email, client), loginBackoff(limit)
	// Three limits, each checked before the password: the pair of this
	// address and this client, slowed down more with each failure; this
	// client, against spraying many addresses; and this address from
	// everywhere, a high ceiling against guessing from many networks.
	if locked, until, err := h.store.LockedUntil(ctx, pair, backoff); err != nil {
		return err
	} else if locked {
		return h.tooMany(c, f, "login.locked", until)
	}
	others := []struct {
		key, msg string
		limit    int
		window   time.Duration
	}{
		{"login:ip:" + client, "login.too_many_client", limit * 4, loginWindow},
		{AddressKey("login:email:", f.Email), "login.too_many_address", loginAddressCeiling, time.Hour},
	}
	for _, k := range others {
		blocked, until, err := h.store.Blocked(ctx, k.key, k.limit)
		if err != nil {
			return err
		}
		if blocked {
			return h.tooMany(c, f, k.msg, until)
		}
	}
	u, err := h.orgs.Authenticate(ctx, f.Email, c.FormValue("password"))
	if errors.Is(err, models.ErrNotFound) {
		if _, err := h.store.Fail(ctx, pair, backoff); err != nil {
			return err
		}
		for _, k := range others {
			if _, _, err := h.store.Hit(ctx, k.key, k.limit, k.window); err != nil {
				return err
			}
		}
		f.Error = "login.failed"
		return render(c, http.StatusUnauthorized, templates.Login(f))
	}
	if err != nil {
		return err
	}
	// Only this pair's failures are forgotten: the address's ceiling
	// counts guesses from elsewhere, which this sign-in does not undo.
	if err := h.store.ResetLimit(ctx, pair); err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	next := safeNext(f.Next)
	if next == "/" {
		next = paths.Studio()
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// tooMany answers a refused sign-in with how long to wait.
func (h *authArea) tooMany(c echo.Context, f templates.LoginForm, msg string, until time.Time) error {
	secs := max(1, int(math.Ceil(until.Sub(h.store.Now()).Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	f.Error, f.Wait = msg, (secs+59)/60
	return render(c, http.StatusTooManyRequests, templates.Login(f))
}

func (h *authArea) startSession(c echo.Context, u *models.User) error {
	token, _, err := h.orgs.CreateSession(c.Request().Context(), u.ID, c.Request().UserAgent())
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: h.cfg.cookieName(sessionCookie), Value: token, Path: "/", MaxAge: int(org.SessionTTL.Seconds()),
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (h *authArea) logout(c echo.Context) error {
	if ck, err := c.Request().Cookie(h.cfg.cookieName(sessionCookie)); err == nil && ck.Value != "" {
		if err := h.orgs.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: h.cfg.cookieName(sessionCookie), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return redirect(c, "/", "flash.logged_out")
}

func (h *authArea) inviteForm(c echo.Context, token string) (templates.InviteForm, error) {
	ctx := c.Request().Context()
	inv, o, err := h.orgs.InviteByToken(ctx, token)
	if err != nil {
		return templates.InviteForm{}, err
	}
	f := templates.InviteForm{Token: token, Invite: inv, Org: o}
	if currentUser(c) == nil {
		if _, err := h.orgs.UserByEmail(ctx, inv.Email); err == nil {
			f.Existing = true
		} else if !errors.Is(err, models.ErrNotFound) {
			return f, err
		}
	}
	return f, nil
}

func (h *authArea) invite(c echo.Context) error {
	f, err := h.inviteForm(c, c.Param("token"))
	if errors.Is(err, org.ErrInviteUnusable) {
		return inviteGone(c)
	}
	if err != nil {
		return err
	}
	if u := currentUser(c); u != nil && !org.InviteIsFor(f.Invite, u) {
		return render(c, http.StatusForbidden, templates.InviteForSomeoneElse(f))
	}
	return render(c, http.StatusOK, templates.InvitePage(f))
}

func (h *authArea) acceptInvite(c echo.Context) error {
	token := c.Param("token")
	f, err := h.inviteForm(c, token)
	if errors.Is(err, org.ErrInviteUnusable) {
		return inviteGone(c)
	}
	if err != nil {
		return err
	}
	user := currentUser(c)
	if user == nil && f.Existing {
		return c.Redirect(http.StatusSeeOther, "/login?next=/invite/"+token)
	}
	var nu *org.NewUser
	if user == nil {
		// The new account's address is the invite's, never one typed:
		// the link went to that mailbox, which is what vouches for it.
		f.Name = c.FormValue("name")
		nu = &org.NewUser{Name: f.Name, Password: c.FormValue("password")}
	}
	joined, joinedOrg, err := h.orgs.AcceptInvite(c.Request().Context(), token, user, nu)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.InvitePage(f))
	}
	if errors.Is(err, org.ErrInviteUnusable) {
		return inviteGone(c)
	}
	if errors.Is(err, org.ErrInviteForSomeoneElse) {
		return render(c, http.StatusForbidden, templates.InviteForSomeoneElse(f))
	}
	if err != nil {
		return err
	}
	if user == nil {
		if err := h.startSession(c, joined); err != nil {
			return err
		}
	}
	return redirect(c, paths.Org(joinedOrg.ID), "flash.joined")
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
	if ck, err := c.Request().Cookie(h.cfg.cookieName(sessionCookie)); err == nil {
		token = ck.Value
	}
	err := h.orgs.ChangePassword(c.Request().Context(), currentUser(c), c.FormValue("current"), c.FormValue("password"), token)
	if v, ok := models.AsValidation(err); ok {
		return render(c, http.StatusUnprocessableEntity, templates.ChangePassword(templates.PasswordForm{Errors: v.Fields}))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Studio(), "flash.password_changed")
}
