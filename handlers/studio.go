package handlers

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/plazahq/plaza/i18n"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/models/testchat"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// studio is the staff console of one organization.
type studio struct {
	store     *models.Store
	notices   *notice.Service
	tokens    *apitoken.Service
	media     *media.Service
	projects  *project.Service
	feeds     *alertsource.Service
	codes     *followcode.Service
	testChats *testchat.Service
	gtfs      *gtfs.Service
	districts *district.Service
	// tileURL is the map tile server of the area maps ("" draws them
	// without tiles).
	tileURL    string
	chats      *chat.Service
	orgs       *org.Service
	accounts   *account.Service
	followers  *follower.Service
	broadcasts *broadcast.Service
	baseURL    string
	links      *mailer.Links
	// loc is the time zone staff enter times in.
	loc *time.Location
	// chat sends inbox replies and checks chat credentials.
	chat map[string]bridge.Channel
	// channels and settings are the registered channels and their stored
	// settings, for the chat page.
	channels        *bridge.Registry
	channelSettings *channel.Service
	// log takes the details of a platform's failure, redacted; staff see
	// a short reason.
	log *slog.Logger
}

// registerStudio lists every studio URL with the permission it needs.
func registerStudio(e *echo.Echo, h *studio) {
	e.GET("/studio", h.home, requireUser)

	g := e.Group("/studio/orgs/:org", requireUser, h.loadMember)
	view, write := need(models.PermView), need(models.PermWrite)
	staff, settings := need(models.PermManageStaff), need(models.PermManageSettings)

	g.GET("", h.overview, view)
	g.GET("/accounts", h.listAccounts, view)
	g.GET("/accounts/new", h.newAccount, write)
	g.POST("/accounts", h.createAccount, write)
	acc := accountRoutes{g: g, load: h.loadAccount}
	acc.GET("", h.editAccount, write)
	acc.POST("", h.updateAccount, write)
	acc.POST("/avatar", h.uploadAvatar, write)
	acc.POST("/channels", h.setChannels, write)
	g.GET("/staff", h.staff, view)
	g.POST("/staff/invites", h.inviteStaff, staff)
	g.POST("/staff/invites/:invite/revoke", h.revokeInvite, staff)
	g.POST("/staff/:user/role", h.setRole, staff)
	g.GET("/staff/:user/remove", h.confirmRemove, staff)
	g.POST("/staff/:user/remove", h.removeStaff, staff)
	g.GET("/settings", h.settings, settings)
	g.POST("/settings", h.saveSettings, settings)
	g.GET("/audit", h.audit, view)
	registerDistricts(g, h)

	registerCodes(acc, h)
	registerGTFS(acc, h)
	registerFollowers(acc, h)
	registerImports(acc, h)
	registerDelivery(acc, h)
	registerNotices(acc, h)
	registerProjects(acc, h)
	registerChat(acc, h)
	registerInbox(acc, h)
	registerAPITokens(g, h)
}

// accountRoutes registers the studio's routes under /accounts/:handle,
// each with the permission it needs. A route checks the permission first
// and then loads the account (load), in the order the handlers did it
// themselves before: a member who lacks the permission gets 403 whether
// or not the account exists. It is not an echo group, whose middleware
// would run before the permission and which registers catch-all routes of
// its own: the router's answers to every URL stay as they were.
type accountRoutes struct {
	g    *echo.Group
	load echo.MiddlewareFunc
}

func (r accountRoutes) GET(path string, h echo.HandlerFunc, perm echo.MiddlewareFunc) {
	r.g.GET("/accounts/:handle"+path, h, perm, r.load)
}

func (r accountRoutes) POST(path string, h echo.HandlerFunc, perm echo.MiddlewareFunc) {
	r.g.POST("/accounts/:handle"+path, h, perm, r.load)
}

// loadMember resolves :org to the signed-in user's membership. Someone who
// is not a member gets 404, as if the organization did not exist.
func (h *studio) loadMember(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := parseID(c, "org")
		if err != nil {
			return err
		}
		m, err := h.orgs.MemberOf(c.Request().Context(), currentUser(c), id)
		if err != nil {
			return err
		}
		setValue(c, keyMember, m)
		return next(c)
	}
}

// loadAccount resolves :handle to an account of the member's organization
// once per request, for studioAccount. Any other handle is a 404, as if
// the account did not exist.
func (h *studio) loadAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := h.accounts.OrgAccount(c.Request().Context(), member(c), c.Param("handle"))
		if err != nil {
			return err
		}
		setValue(c, keyStudioAccount, a)
		return next(c)
	}
}

func need(p models.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !member(c).Can(p) {
				return models.ErrForbidden
			}
			return next(c)
		}
	}
}

func (h *studio) home(c echo.Context) error {
	orgs, err := h.orgs.OrganizationsOf(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.StudioHome(orgs))
}

func (h *studio) overview(c echo.Context) error {
	m := member(c)
	ctx := c.Request().Context()
	accounts, err := h.accounts.OrgAccounts(ctx, m)
	if err != nil {
		return err
	}
	home := templates.OrgHome{Accounts: accounts}
	if home.Followers, err = h.followers.OrgFollowers(ctx, m, accounts, 7); err != nil {
		return err
	}
	if home.OpenConversations, err = h.chats.OpenConversations(ctx, m, accounts); err != nil {
		return err
	}
	if home.FeedbackWaiting, err = h.projects.FeedbackWaiting(ctx, m, accounts); err != nil {
		return err
	}
	if home.LastBroadcast, home.LastNotice, err = h.broadcasts.LastBroadcast(ctx, m, accounts); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.OrgOverview(m, home))
}

func (h *studio) listAccounts(c echo.Context) error {
	m := member(c)
	accounts, err := h.accounts.OrgAccounts(c.Request().Context(), m)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.OrgAccounts(m, accounts))
}

func accountInput(c echo.Context) models.AccountInput {
	form, _ := c.FormParams()
	in := models.AccountInput{
		Handle: c.FormValue("handle"), Category: c.FormValue("category"),
		DefaultLang: c.FormValue("default_lang"), Topics: c.FormValue("topics"),
		// A plain name is the default language's (a form with one name).
		Name: c.FormValue("name"),
	}
	// In the list's spelling ("zh" is zh-Hans), so the form comes back
	// with the same fields; an unknown one stays for the error.
	for _, l := range form["languages"] {
		if tag, ok := i18n.CanonicalTag(l); ok {
			l = tag
		}
		in.Languages = append(in.Languages, l)
	}
	// Texts of every listed language the form sent: a language ticked
	// just now has no fields yet, and one unticked loses its texts.
	var all []string
	for _, cl := range i18n.ContentLanguages() {
		all = append(all, cl.Tag)
	}
	in.Texts = models.FormTexts(form, all, "name", "bio")
	return in
}

func (h *studio) newAccount(c echo.Context) error {
	// A new account starts in the language its maker reads Plaza in.
	l := string(langOf(c))
	f := templates.AccountForm{Input: models.AccountInput{Languages: []string{l}, DefaultLang: l}}
	return render(c, http.StatusOK, templates.AccountEdit(member(c), f))
}

func (h *studio) createAccount(c echo.Context) error {
	m := member(c)
	in := accountInput(c)
	a, err := h.accounts.CreateAccount(c.Request().Context(), m, in)
	if v, ok := models.AsValidation(err); ok {
		return render(c, http.StatusUnprocessableEntity, templates.AccountEdit(m, templates.AccountForm{Input: in, Errors: v.Fields}))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Account(m.Org.ID, a.Handle), "flash.account_created")
}

func accountFormOf(a *models.Account) templates.AccountForm {
	return templates.AccountForm{Account: a, Input: models.AccountInput{
		Handle: a.Handle, Name: a.Name, Texts: a.Translations.Clone(), DefaultLang: a.DefaultLang,
		Category: a.Category, Languages: a.LangList(), Topics: strings.ReplaceAll(a.Topics, ",", ", "),
	}}
}

func (h *studio) accountForm(c echo.Context, a *models.Account) (templates.AccountForm, error) {
	f := accountFormOf(a)
	channels, err := h.channelSettings.EnabledChannels(c.Request().Context(), a.ID)
	f.Channels = channels
	return f, err
}

func (h *studio) editAccount(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f, err := h.accountForm(c, a)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AccountEdit(m, f))
}

func (h *studio) setChannels(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	if err := h.channelSettings.SetChannel(ctx, m, a, models.ChannelEmail, c.FormValue("email") == "on"); err != nil {
		return err
	}
	return redirect(c, paths.Account(m.Org.ID, a.Handle), "flash.saved")
}

func (h *studio) updateAccount(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	in := accountInput(c)
	err := h.accounts.UpdateAccount(ctx, m, a, in)
	if v, ok := models.AsValidation(err); ok {
		f, ferr := h.accountForm(c, a)
		if ferr != nil {
			return ferr
		}
		f.Input, f.Errors = in, v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.AccountEdit(m, f))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Account(m.Org.ID, a.Handle), "flash.saved")
}

func (h *studio) uploadAvatar(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	var data []byte
	fh, err := c.FormFile("avatar")
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		// No file chosen: SetAvatar says so next to the field.
	case err != nil:
		return err
	case fh.Size > media.MaxAvatarBytes:
		// Too big to be worth reading; SetAvatar would refuse it anyway.
		data = make([]byte, media.MaxAvatarBytes+1)
	default:
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err = io.ReadAll(io.LimitReader(f, media.MaxAvatarBytes+1))
		f.Close()
		if err != nil {
			return err
		}
	}
	err = h.media.SetAvatar(ctx, m, a, data)
	if v, ok := models.AsValidation(err); ok {
		f, ferr := h.accountForm(c, a)
		if ferr != nil {
			return ferr
		}
		f.AvatarError = v.Fields["avatar"]
		status := http.StatusUnprocessableEntity
		if f.AvatarError == "err.avatar_too_big" {
			status = http.StatusRequestEntityTooLarge
		}
		return render(c, status, templates.AccountEdit(m, f))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Account(m.Org.ID, a.Handle), "flash.avatar_saved")
}

func (h *studio) staffPage(c echo.Context, status int, f templates.StaffForm) error {
	m := member(c)
	ctx := c.Request().Context()
	staff, err := h.orgs.Staff(ctx, m)
	if err != nil {
		return err
	}
	var invites []models.Invite
	if m.Can(models.PermManageStaff) {
		if invites, err = h.orgs.PendingInvites(ctx, m.Org.ID); err != nil {
			return err
		}
	}
	return render(c, status, templates.StaffPage(m, staff, invites, f))
}

func (h *studio) staff(c echo.Context) error {
	return h.staffPage(c, http.StatusOK, templates.StaffForm{Role: string(models.RoleEditor)})
}

func (h *studio) inviteStaff(c echo.Context) error {
	m := member(c)
	f := templates.StaffForm{Email: c.FormValue("email"), Role: c.FormValue("role")}
	inv, token, err := h.orgs.CreateInvite(c.Request().Context(), m.User, m.Org.ID, f.Email, models.Role(f.Role))
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.staffPage(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	// The link is shown once, here; only its hash is stored.
	c.Response().Header().Set("Cache-Control", "no-store")
	// Name the address the invite was made for, as stored (trimmed and
	// lower-cased), not the raw text typed.
	return render(c, http.StatusOK, templates.InviteCreated(m, inv.Email, inviteURL(h.baseURL, token)))
}

func (h *studio) revokeInvite(c echo.Context) error {
	m := member(c)
	id, err := parseID(c, "invite")
	if err != nil {
		return err
	}
	if err := h.orgs.RevokeInvite(c.Request().Context(), m, id); err != nil {
		return err
	}
	return redirect(c, paths.Staff(m.Org.ID), "flash.invite_revoked")
}

func (h *studio) setRole(c echo.Context) error {
	m := member(c)
	id, err := parseID(c, "user")
	if err != nil {
		return err
	}
	err = h.orgs.SetRole(c.Request().Context(), m, id, models.Role(c.FormValue("role")))
	if v, ok := models.AsValidation(err); ok {
		return h.staffPage(c, http.StatusUnprocessableEntity, templates.StaffForm{Role: string(models.RoleEditor), RowUser: id, RowError: v.Fields["role"]})
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Staff(m.Org.ID), "flash.role_changed")
}

func (h *studio) findStaff(c echo.Context) (models.StaffMember, error) {
	id, err := parseID(c, "user")
	if err != nil {
		return models.StaffMember{}, err
	}
	staff, err := h.orgs.Staff(c.Request().Context(), member(c))
	if err != nil {
		return models.StaffMember{}, err
	}
	for _, s := range staff {
		if s.UserID == id {
			return s, nil
		}
	}
	return models.StaffMember{}, models.ErrNotFound
}

func (h *studio) confirmRemove(c echo.Context) error {
	s, err := h.findStaff(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ConfirmRemove(member(c), s))
}

func (h *studio) removeStaff(c echo.Context) error {
	m := member(c)
	id, err := parseID(c, "user")
	if err != nil {
		return err
	}
	err = h.orgs.RemoveMember(c.Request().Context(), m, id)
	if v, ok := models.AsValidation(err); ok {
		return h.staffPage(c, http.StatusUnprocessableEntity, templates.StaffForm{Role: string(models.RoleEditor), RowUser: id, RowError: v.Fields["role"]})
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Staff(m.Org.ID), "flash.staff_removed")
}

func (h *studio) settings(c echo.Context) error {
	m := member(c)
	return render(c, http.StatusOK, templates.Settings(m, templates.SettingsForm{Name: m.Org.Name, Kind: string(m.Org.Kind)}))
}

func (h *studio) saveSettings(c echo.Context) error {
	m := member(c)
	f := templates.SettingsForm{Name: c.FormValue("name"), Kind: c.FormValue("kind")}
	err := h.orgs.UpdateOrganization(c.Request().Context(), m, org.Input{Name: f.Name, Kind: models.OrgKind(f.Kind)})
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.Settings(m, f))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Settings(m.Org.ID), "flash.saved")
}

func (h *studio) audit(c echo.Context) error {
	m := member(c)
	page := pageParam(c)
	entries, total, err := h.orgs.AuditLog(c.Request().Context(), m, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.Path}
	return render(c, http.StatusOK, templates.AuditPage(m, entries, pager))
}
