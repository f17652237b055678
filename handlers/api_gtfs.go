package handlers

import (
	"context"

	"github.com/plazahq/plaza/models"
)

// apiWarning is something about a notice the client may want to fix,
// although the notice was saved: a route or stop the account's GTFS feed
// lacks.
type apiWarning struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	IDs     []string `json:"ids"`
}

// withWarnings adds to a notice just created or changed the routes and
// stops its account's GTFS feed lacks. Warnings are advice: when they
// cannot be worked out the notice, already saved, goes without them.
func (h *apiArea) withWarnings(ctx context.Context, a *models.Account, out noticeJSON) noticeJSON {
	if h.gtfs == nil {
		return out
	}
	routes, stops, err := h.gtfs.Unknown(ctx, a.ID, out.Routes.List(), out.Stops.List())
	if err != nil {
		return out
	}
	if len(routes) > 0 {
		out.Warnings = append(out.Warnings, apiWarning{Code: "unknown_routes", Message: "routes not in the account's GTFS feed", IDs: routes})
	}
	if len(stops) > 0 {
		out.Warnings = append(out.Warnings, apiWarning{Code: "unknown_stops", Message: "stops not in the account's GTFS feed", IDs: stops})
	}
	return out
}
