package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// apiTokens is the studio page where owners create and revoke the
// organization's API tokens.
type apiTokens struct {
	tokens *apitoken.Service
}

func registerAPITokens(g *echo.Group, s *studio) {
	h := &apiTokens{tokens: s.tokens}
	settings := need(models.PermManageSettings)
	g.GET("/api-tokens", h.list, settings)
	g.POST("/api-tokens", h.create, settings)
	g.GET("/api-tokens/:id/revoke", h.confirmRevoke, settings)
	g.POST("/api-tokens/:id/revoke", h.revoke, settings)
}

func (h *apiTokens) page(c echo.Context, status int, f templates.TokenForm) error {
	m := member(c)
	list, err := h.tokens.List(c.Request().Context(), m)
	if err != nil {
		return err
	}
	return render(c, status, templates.APITokens(m, list, f))
}

func (h *apiTokens) list(c echo.Context) error {
	return h.page(c, http.StatusOK, templates.TokenForm{})
}

func (h *apiTokens) create(c echo.Context) error {
	m := member(c)
	params, _ := c.FormParams()
	f := templates.TokenForm{Name: c.FormValue("name"), Scopes: params["scopes"]}
	_, plain, err := h.tokens.Create(c.Request().Context(), m, f.Name, f.Scopes)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return h.page(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	// Shown once, on this response; it is never stored in the clear.
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.page(c, http.StatusOK, templates.TokenForm{Created: plain})
}

func (h *apiTokens) token(c echo.Context) (*models.Member, *apitoken.Token, error) {
	m := member(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	t, err := h.tokens.ByID(c.Request().Context(), m, id)
	return m, t, err
}

func (h *apiTokens) confirmRevoke(c echo.Context) error {
	m, t, err := h.token(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.APITokenRevoke(m, t))
}

func (h *apiTokens) revoke(c echo.Context) error {
	m, t, err := h.token(c)
	if err != nil {
		return err
	}
	if err := h.tokens.Revoke(c.Request().Context(), m, t.ID); err != nil {
		return err
	}
	return redirect(c, paths.APITokens(m.Org.ID), "api.revoked")
}
