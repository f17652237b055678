package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

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
	limit    *bridgeLimit
}

// bridgeBodyLimit bounds an inbound chat message.
const bridgeBodyLimit = bridge.BodyLimit

func registerBridge(e *echo.Echo, h *bridgeArea, channels *bridge.Registry) {
	// Before routing and the other middleware, so that a shed callback
	// costs next to nothing and is not logged one line each (the counter
	// is its record).
	e.Pre(h.limit.bound)
	for _, ch := range channels.Channels() {
		rc, ok := ch.(bridge.Receiver)
		if !ok {
			continue
		}
		for _, rt := range rc.Inbound(h) {
			e.Add(rt.Method, "/bridge/"+ch.Name()+"/:handle"+rt.Path, func(c echo.Context) error {
				return h.limit.serve(c, rt)
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

// bridgeLimit keeps a flood of callbacks from queueing for the database.
// Past its capacity Plaza only piles up requests that wait seconds for a
// connection (the 2026-12-02 review: at 2,000 WeChat callbacks a second
// replies came after 10-20 s and the process grew from 40 to 350 MB),
// while WeChat hangs up after 5 s and retries regardless. So a callback
// beyond the bound is answered at once, and one that runs past the
// deadline is given up (its transaction rolled back), both with a 503.
// WeChat documents three retries of a message that got no valid answer
// ("success", "" or a reply) within 5 s; a 503 is none, and its MsgId
// makes the retry stored once. A 503 rather than a closed connection,
// because it costs as little, and proxies and monitoring read it as
// overload. Telegram retries a webhook update that was not answered 2xx.
// Every inbound channel shares the one bound: they share the database
// pool it protects.
type bridgeLimit struct {
	slots   chan struct{}
	timeout time.Duration
	shed    *prometheus.CounterVec
}

func newBridgeLimit(n int, timeout time.Duration, reg *prometheus.Registry) *bridgeLimit {
	l := &bridgeLimit{slots: make(chan struct{}, max(n, 1)), timeout: timeout,
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plaza_bridge_shed_total",
			Help: "Chat platform callbacks answered 503 for the platform to retry: busy (over --bridge-in-flight), timeout (over --bridge-timeout) or gone (the platform hung up first)."},
			[]string{"reason"})}
	if reg != nil {
		reg.MustRegister(l.shed, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "plaza_bridge_in_flight",
			Help: "Chat platform callbacks being handled now."}, func() float64 { return float64(len(l.slots)) }))
	}
	return l
}

// bound answers a callback beyond the bound at once.
func (l *bridgeLimit) bound(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Request().URL.Path, "/bridge/") {
			return next(c)
		}
		select {
		case l.slots <- struct{}{}:
		default:
			l.shed.WithLabelValues("busy").Inc()
			return busy(c)
		}
		defer func() { <-l.slots }()
		return next(c)
	}
}

// serve runs one callback within the deadline.
func (l *bridgeLimit) serve(c echo.Context, rt bridge.Route) error {
	r := c.Request()
	if l.timeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), l.timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	err := rt.Serve(c.Response(), r, c.Param("handle"))
	if err != nil && r.Context().Err() != nil && !c.Response().Committed {
		// The deadline (or the platform hanging up) ended the work: nothing
		// of it was kept, and the platform's retry will do it in full.
		reason := "timeout"
		if !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			reason = "gone"
		}
		l.shed.WithLabelValues(reason).Inc()
		return busy(c)
	}
	return err
}

func busy(c echo.Context) error {
	c.Response().Header().Set("Retry-After", "1")
	return c.String(http.StatusServiceUnavailable, "busy, retry later")
}
