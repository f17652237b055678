package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// delivery is the studio page of how an account's notices go out beyond
// e-mail: its signed webhook, its own sending rate, and its open data
// feeds.
type delivery struct {
	store    *models.Store
	accounts *account.Service
	settings *channel.Service
	feeds    *alertsource.Service
	baseURL  string
}

func registerDelivery(acc accountRoutes, s *studio) {
	h := &delivery{store: s.store, accounts: s.accounts, settings: s.channelSettings, feeds: s.feeds, baseURL: strings.TrimRight(s.baseURL, "/")}
	write := need(models.PermWrite)
	acc.GET("/delivery", h.show, write)
	acc.POST("/delivery", h.save, write)
}

func (h *delivery) show(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	w, err := h.settings.Webhook(ctx, m, a)
	if err != nil {
		return err
	}
	feed, err := h.feeds.Of(ctx, m, a)
	if err != nil {
		return err
	}
	f := templates.DeliveryForm{Enabled: w.Enabled, URL: w.URL, Secret: w.Secret, SecretWithheld: w.SecretWithheld, SendRate: strconv.Itoa(w.SendRate),
		AgencyID: a.GTFSAgencyID, Feed: feed, FeedInterval: "60"}
	if feed != nil {
		f.FeedURL, f.FeedInterval, f.AutoPublish = feed.URL, strconv.Itoa(feed.IntervalSeconds), feed.AutoPublish
		if f.Held, err = h.feeds.HeldChanges(ctx, m, a); err != nil {
			return err
		}
	}
	return render(c, http.StatusOK, templates.DeliveryPage(m, a, f, h.baseURL))
}

func (h *delivery) save(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	in := channel.WebhookInput{Enabled: c.FormValue("enabled") == "on", URL: c.FormValue("url"),
		RotateSecret: c.FormValue("rotate") == "on", SendRate: c.FormValue("send_rate")}
	agency := c.FormValue("agency_id")
	feedIn := alertsource.Input{URL: c.FormValue("feed_url"), Interval: c.FormValue("feed_interval"),
		AutoPublish: c.FormValue("auto_publish") == "on"}
	err := h.accounts.SetAgencyID(ctx, m, a, agency)
	if err == nil {
		err = h.settings.SaveWebhook(ctx, m, a, in)
	}
	if err == nil && m.Can(models.PermPublish) {
		err = h.feeds.Save(ctx, m, a, feedIn)
	}
	if v, ok := models.AsValidation(err); ok {
		w, werr := h.settings.Webhook(ctx, m, a)
		if werr != nil {
			return werr
		}
		feed, ferr := h.feeds.Of(ctx, m, a)
		if ferr != nil {
			return ferr
		}
		var held []alertsource.HeldChange
		if feed != nil {
			if held, err = h.feeds.HeldChanges(ctx, m, a); err != nil {
				return err
			}
		}
		return render(c, http.StatusUnprocessableEntity, templates.DeliveryPage(m, a, templates.DeliveryForm{
			Enabled: in.Enabled, URL: in.URL, Secret: w.Secret, SecretWithheld: w.SecretWithheld, SendRate: in.SendRate, AgencyID: agency,
			FeedURL: feedIn.URL, FeedInterval: feedIn.Interval, AutoPublish: feedIn.AutoPublish, Feed: feed, Held: held,
			Errors: v.Fields}, h.baseURL))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Delivery(m.Org.ID, a.Handle), "delivery.saved")
}
