package handlers

import (
	"context"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/templates"
)

// gtfsEditorChoices is how many of the account's routes and of its stops
// the notice editor lists for its inputs (the browser filters them as
// staff type, with no JavaScript).
const gtfsEditorChoices = 500

// gtfsChoices is what the account's GTFS feed gives the notice editor:
// its routes and stops to pick from, and the notice's ids it lacks (a
// warning; saving still works). Without a feed there is nothing.
func (h *notices) gtfsChoices(ctx context.Context, a *models.Account, in notice.Input) (templates.GTFSChoices, error) {
	var out templates.GTFSChoices
	if h.gtfs == nil {
		return out, nil
	}
	var err error
	if out.Routes, err = h.gtfs.Routes(ctx, a.ID, "", gtfsEditorChoices); err != nil {
		return out, err
	}
	if out.Stops, err = h.gtfs.Stops(ctx, a.ID, "", gtfsEditorChoices); err != nil {
		return out, err
	}
	out.UnknownRoutes, out.UnknownStops, err = h.gtfs.Unknown(ctx, a.ID, in.Routes.List(), in.Stops.List())
	return out, err
}
