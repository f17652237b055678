package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/templates"
)

// admin is the platform admin's area: organizations, verification and the
// first owner's invite.
type admin struct {
	orgs    *org.Service
	baseURL string
}

func registerAdmin(e *echo.Echo, h *admin) {
	g := e.Group("/admin", requireUser, requireAdmin)
	g.GET("", h.listOrgs)
	g.GET("/orgs/new", h.newOrg)
	g.POST("/orgs", h.createOrg)
	g.GET("/orgs/:org", h.org)
	g.POST("/orgs/:org/verify", h.verify)
	g.POST("/orgs/:org/invites", h.inviteOwner)
}

func (h *admin) listOrgs(c echo.Context) error {
	q := c.QueryParam("q")
	page := pageParam(c)
	orgs, total, err := h.orgs.ListOrganizations(c.Request().Context(), q, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	return render(c, http.StatusOK, templates.AdminOrgs(orgs, q, pager))
}

func (h *admin) newOrg(c echo.Context) error {
	return render(c, http.StatusOK, templates.AdminNewOrg(templates.SettingsForm{Kind: string(models.KindAgency)}))
}

func (h *admin) createOrg(c echo.Context) error {
	f := templates.SettingsForm{Name: c.FormValue("name"), Kind: c.FormValue("kind")}
	org, err := h.orgs.CreateOrganization(c.Request().Context(), currentUser(c), org.Input{Name: f.Name, Kind: models.OrgKind(f.Kind)})
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.AdminNewOrg(f))
	}
	if err != nil {
		return err
	}
	return redirect(c, "/admin/orgs/"+strconv.FormatInt(org.ID, 10), "flash.org_created")
}

func (h *admin) loadOrg(c echo.Context) (*models.Organization, error) {
	id, err := parseID(c, "org")
	if err != nil {
		return nil, err
	}
	return h.orgs.OrganizationByID(c.Request().Context(), id)
}

func (h *admin) orgPage(c echo.Context, status int, org *models.Organization, f templates.StaffForm) error {
	ctx := c.Request().Context()
	// Reading the staff list needs only view permission; the admin gets it
	// for this page without becoming a member.
	staff, err := h.orgs.Staff(ctx, &models.Member{User: currentUser(c), Org: org, Role: models.RoleViewer})
	if err != nil {
		return err
	}
	invites, err := h.orgs.PendingInvites(ctx, org.ID)
	if err != nil {
		return err
	}
	return render(c, status, templates.AdminOrg(org, staff, invites, f))
}

func (h *admin) org(c echo.Context) error {
	org, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	return h.orgPage(c, http.StatusOK, org, templates.StaffForm{})
}

func (h *admin) verify(c echo.Context) error {
	org, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	verified := c.FormValue("verified") == "1"
	if err := h.orgs.SetVerified(c.Request().Context(), currentUser(c), org.ID, verified); err != nil {
		return err
	}
	flash := "flash.unverified"
	if verified {
		flash = "flash.verified"
	}
	return redirect(c, "/admin/orgs/"+strconv.FormatInt(org.ID, 10), flash)
}

func (h *admin) inviteOwner(c echo.Context) error {
	org, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	f := templates.StaffForm{Email: c.FormValue("email"), Role: string(models.RoleOwner)}
	inv, token, err := h.orgs.CreateInvite(c.Request().Context(), currentUser(c), org.ID, f.Email, models.RoleOwner)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.orgPage(c, http.StatusUnprocessableEntity, org, f)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, templates.AdminInviteCreated(org, inv.Email, inviteURL(h.baseURL, token)))
}
