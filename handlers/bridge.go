package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/channel"
)

// Router is what the bridge endpoints hand inbound messages to.
type Router interface {
	Handle(ctx context.Context, a *models.Account, in bridge.Inbound) ([]bridge.Reply, error)
}

// bridgeArea mounts the endpoints the channels' platforms call: each
// registered channel that receives (bridge.Receiver) verifies and parses
// its own requests; this area gives them what they need of Plaza
// (bridge.Host).
type bridgeArea struct {
	store    *models.Store
	accounts *account.Service
	settings *channel.Service
	router   Router
	log      *slog.Logger
}

// bridgeBodyLimit bounds an inbound chat message.
const bridgeBodyLimit = bridge.BodyLimit

func registerBridge(e *echo.Echo, h *bridgeArea, channels *bridge.Registry) {
	for _, ch := range channels.Channels() {
		rc, ok := ch.(bridge.Receiver)
		if !ok {
			continue
		}
		for _, rt := range rc.Inbound(h) {
			e.Add(rt.Method, "/bridge/"+ch.Name()+"/:handle"+rt.Path, func(c echo.Context) error {
				return rt.Serve(c.Response(), c.Request(), c.Param("handle"))
			})
		}
	}
}

func (h *bridgeArea) Endpoint(ctx context.Context, handle, name string) (*models.Account, *bridge.Settings, error) {
	return h.settings.Endpoint(ctx, handle, name)
}

func (h *bridgeArea) Account(ctx context.Context, handle string) (*models.Account, error) {
	pa, err := h.accounts.AccountByHandle(ctx, handle)
	if err != nil {
		return nil, err
	}
	return &pa.Account, nil
}

func (h *bridgeArea) Handle(ctx context.Context, a *models.Account, in bridge.Inbound) ([]bridge.Reply, error) {
	return h.router.Handle(ctx, a, in)
}

func (h *bridgeArea) Claim(ctx context.Context, accountID int64, k *bridge.OnceKey) (bool, error) {
	return h.settings.ClaimWeChatNonce(ctx, accountID, k.TS, k.Nonce, k.Expires)
}

func (h *bridgeArea) Now() time.Time { return h.store.Now() }

func (h *bridgeArea) Log() *slog.Logger { return h.log }
