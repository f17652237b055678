// Package app wires Plaza together: it opens the database, applies
// migrations and builds the HTTP handler and the background workers from
// plain constructors. Both `plaza serve` and the tests start Plaza through
// it.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/alertfeed"
	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/email"
	"github.com/plazahq/plaza/bridge/router"
	"github.com/plazahq/plaza/bridge/webpush"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/handlers"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/outbound"
	"github.com/plazahq/plaza/pagecache"
	"github.com/plazahq/plaza/queue"
	"github.com/plazahq/plaza/secrets"
)

// App is a running Plaza minus its listener.
type App struct {
	// Domains are the domain services (Store, Orgs, Accounts, Followers,
	// Notices, Projects, ...), built once by NewDomains.
	*Domains
	Config  config.Config
	DB      *database.DB
	Handler http.Handler
	// Metrics serves /metrics for the operator's own listener
	// (--metrics-addr); Handler serves it only with the metrics token.
	Metrics http.Handler
	// Echo is the router behind Handler, for listing routes.
	Echo  *echo.Echo
	Log   *slog.Logger
	Links *mailer.Links
	Jobs  *queue.Runner
	// Broadcasts sends notices to followers.
	Broadcasts *broadcast.Engine
	// BroadcastService is what staff do with broadcasts: watch, retry,
	// cancel.
	BroadcastService *broadcast.Service
	// Feeds polls the external alert feeds accounts subscribe to.
	Feeds *alertfeed.Poller
	// AlertSources is the alert-feed domain: accounts' GTFS-realtime feeds and their polls.
	AlertSources *alertsource.Service
	// Registry lists the channels Plaza runs.
	Registry *bridge.Registry

	inserter *queue.Inserter
	// sender keeps SMTP sessions open between messages; Close ends them.
	sender  mailer.Sender
	stopped chan struct{}
	cancel  context.CancelFunc
}

// Options are knobs that only tests turn.
type Options struct {
	// QueuePoll is how often idle workers look for jobs.
	QueuePoll time.Duration
	// Broadcast overrides the engine's tuning (retries, batch size).
	Broadcast broadcast.Options
	// Channels replaces the channels the engine sends through (the
	// studio and the bridge endpoints keep the registered ones).
	Channels []broadcast.Channel
	// Register adds channels to the registered ones (a test channel).
	Register func(r *bridge.Registry, d ChannelDeps)
	// Feeds overrides the alert-feed poller's tuning (its clock, timeout).
	Feeds alertfeed.Options
	// WriteWait bounds the wait for SQLite's write connection
	// (database.DefaultWriteWait when zero).
	WriteWait time.Duration
	// Pages sizes the public page cache (pagecache's defaults when zero).
	Pages pagecache.Options
}

// Migrate applies Plaza's migrations and the job queue's.
func Migrate(ctx context.Context, db *database.DB, log *slog.Logger) error {
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 && log != nil {
		log.Info("applied migrations", "versions", applied, "database", string(db.Dialect))
	}
	return queue.Migrate(ctx, db)
}

// New opens the database, migrates it and builds the handler and workers.
// Call Start to run the workers.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := database.OpenOptions(ctx, cfg.DatabaseURL, database.Options{WriteWait: opts.WriteWait})
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, db, cfg, log, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, db *database.DB, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := Migrate(ctx, db, log); err != nil {
		return nil, err
	}
	inserter, err := queue.NewInserter(db)
	if err != nil {
		return nil, err
	}
	store := models.NewStore(db, nil).WithQueue(models.Jobs(inserter)).WithLimits(Limits(cfg))
	box, err := SecretBox(ctx, cfg, account.New(store.Core, nil), log)
	if err != nil {
		return nil, err
	}
	dom := NewDomains(store, models.Jobs(inserter), box)
	store, accounts, chans, chats, projects := dom.Store, dom.Accounts, dom.Channels, dom.Chats, dom.Projects
	key, err := accounts.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	links := &mailer.Links{BaseURL: cfg.BaseURL, Signer: auth.NewSigner(key), Now: time.Now}
	sender, err := mailer.NewSender(cfg.SMTPURL, cfg.SMTPConnections, log)
	if err != nil {
		return nil, err
	}
	mail, err := email.New(sender, links, cfg.MailFrom)
	if err != nil {
		return nil, err
	}
	// Every request to an address staff type goes through one client that
	// refuses internal addresses; the operator's allowance is the only way
	// past it.
	staffTyped := outbound.NewClient(cfg.Outbound)
	deps := NewChannelDeps(cfg, chans, chats)
	deps.HTTP = staffTyped
	deps.Links = links
	if deps.WebPushKeys, err = webpush.LoadKeys(ctx, accounts, box); err != nil {
		return nil, err
	}
	// Receipts only write the ledger: this service need not wake workers.
	deps.Receipts = broadcast.NewService(store, nil)
	// The buckets are rows of the database, so this limiter and the
	// engine's draw from the same ones, on every instance.
	deps.Limiter = broadcast.NewLimiter(store.DB(), store.Dialect())
	registry := Channels(deps, mail)
	if opts.Register != nil {
		opts.Register(registry, deps)
	}
	channels := opts.Channels
	if channels == nil {
		channels = registry.Senders()
	}
	bo := opts.Broadcast
	bo.Workers = cmp.Or(bo.Workers, cfg.SendWorkers)
	bo.EmergencyWorkers = cmp.Or(bo.EmergencyWorkers, cfg.SendEmergencyWorkers)
	bo.Concurrency = cmp.Or(bo.Concurrency, cfg.SendConcurrency)
	bo.Lease = cmp.Or(bo.Lease, cfg.SendLease)
	bo.BatchSize = cmp.Or(bo.BatchSize, cfg.SendBatch)
	if bo.ChannelRates == nil {
		bo.ChannelRates = cfg.ChannelRates
	}
	bo.BaseURL, bo.Location = cfg.BaseURL, cfg.Location
	bo.Targets = dom.Districts
	engine := broadcast.New(store, channels, log, bo)

	// Alert feeds: a periodic scan queues one poll job per due feed.
	fo := opts.Feeds
	if fo.Client == nil {
		fo.Client = staffTyped
	}
	fo.UpdateInterval = cmp.Or(fo.UpdateInterval, cfg.FeedUpdateInterval)
	fo.NewAlertsPerHour = cmp.Or(fo.NewAlertsPerHour, cfg.FeedNewAlertsPerHour)
	sources := alertsource.New(store.Core, models.Jobs(inserter), dom.Notices)
	a := &App{Domains: dom, Config: cfg, DB: db, Log: log, Links: links, Broadcasts: engine,
		Feeds: alertfeed.New(dom.Accounts, dom.Orgs, dom.Notices, sources, log, fo), AlertSources: sources, inserter: inserter, sender: sender}
	a.Registry = registry
	workers := river.NewWorkers()
	river.AddWorker(workers, &mailer.FollowerMailWorker{Accounts: dom.Accounts, Followers: a.Followers, Sender: sender, Links: links, From: cfg.MailFrom})
	river.AddWorker(workers, &mailer.AnswerMailWorker{Answers: projects, Sender: sender, Links: links, From: cfg.MailFrom})
	river.AddWorker(workers, &broadcast.MaterializeWorker{Engine: engine})
	river.AddWorker(workers, &broadcast.DigestWorker{Engine: engine, Sender: mail})
	river.AddWorker(workers, &alertfeed.ScanWorker{Poller: a.Feeds})
	river.AddWorker(workers, &alertfeed.PollWorker{Poller: a.Feeds})
	a.addBackgroundWorkers(workers)
	a.Jobs, err = queue.NewRunner(db, workers, log, queue.Options{PollInterval: opts.QueuePoll, Periodic: periodicJobs(),
		ListenURL: cfg.DatabaseURL})
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	if db.SQL != db.Read {
		// SQLite's write connection: its wait count and duration show how
		// much the writes queue.
		reg.MustRegister(collectors.NewDBStatsCollector(db.SQL, "plaza_write"))
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.Read, "plaza"),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plaza_deliveries_handled_total",
			Help: "Deliveries this instance finished (sent, failed, dead or skipped)."},
			func() float64 { return float64(engine.Handled()) }))
	service := broadcast.NewService(store, engine.Wake)
	e := handlers.New(handlers.Deps{
		Store: store, APITokens: a.APITokens, Media: a.Media, Broadcasts: service, Ready: db.Ready, Logger: log, Registry: reg, Links: links, Projects: projects, Router: router.New(store, chats, a.Followers, projects, cfg.BaseURL).WithNonces(chans).WithCodes(chatScans{a.FollowCodes, links.Signer}).WithTestChats(a.TestChats),
		TestChats:    a.TestChats,
		AlertSources: a.AlertSources,
		FollowCodes:  a.FollowCodes,
		GTFS:         a.GTFS,
		Districts:    a.Districts,
		Chats:        chats,
		Notices:      a.Notices,
		Orgs:         a.Orgs,
		Accounts:     a.Accounts,
		Followers:    a.Followers,
		Channels:     registry, ChannelSettings: chans,
		// Built here, once: every instance keeps its own pages, and the
		// version in the database keeps them current across instances.
		Pages: pagecache.New(db.Read, opts.Pages),
		Config: handlers.Config{BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies(), LoginLimit: cfg.LoginLimit,
			TrustedProxies: cfg.TrustedProxies, Location: cfg.Location, TileURL: cfg.TileURL,
			MetricsToken: cfg.MetricsToken, WebPushKey: deps.WebPushKeys.Public, WebPushHTTP: cfg.Outbound != nil,
			BridgeInFlight: bridgeInFlight(cfg.BridgeInFlight, db), BridgeTimeout: cfg.BridgeTimeout},
	})
	a.Handler, a.Echo, a.BroadcastService = handlers.HeadAsGet(e), e, service
	metrics := http.NewServeMux()
	metrics.Handle("GET /metrics", handlers.MetricsHandler(reg))
	a.Metrics = metrics
	return a, nil
}

// bridgeInFlight is the operator's bound on chat callbacks at once, or
// the database pool: every callback holds a connection for its
// transaction, and one more only waits for one (bench/wechat with twice
// the pool on PostgreSQL: 9,000 waits averaging 90 ms in 20 s). SQLite
// writes through one connection, and its callbacks spend as long on
// reads and parsing outside it, so it gets the floor of 16.
func bridgeInFlight(n int, db *database.DB) int {
	if n > 0 {
		return n
	}
	if db.Dialect == database.SQLite {
		// One writer, but reads and the signature checks run beside it:
		// at 2,000 WeChat messages a second offered, 64 in flight answered
		// 801 a second against 645 with 16 (bench/README.md, "WeChat").
		return 64
	}
	// A little more than the pool, so that a burst waits a moment for a
	// connection rather than being shed: at 2,000 WeChat messages a
	// second on a quiet machine, the pool's 25 kept p99 at 24 ms but 18 of
	// 40,000 messages were shed on every retry; 40 kept p99 at 32–35 ms
	// with 0 and 1 (bench/README.md, "WeChat").
	return max(db.SQL.Stats().MaxOpenConnections*8/5, 16)
}

// Limits are the anti-abuse limits with the operator's settings.
func Limits(cfg config.Config) models.Limits {
	l := models.DefaultLimits()
	if cfg.FeedbackLimit > 0 {
		l.FeedbackPerClient.Max = cfg.FeedbackLimit
		l.ReportPerClient.Max = cfg.FeedbackLimit
	}
	return l
}

// SecretBox builds the cipher for channel credentials from the configured
// key, or from one kept in the database when none is configured.
func SecretBox(ctx context.Context, cfg config.Config, accounts *account.Service, log *slog.Logger) (*secrets.Box, error) {
	if cfg.SecretKey != "" {
		key, err := secrets.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("secret-key: %w", err)
		}
		return secrets.New(key)
	}
	key, err := accounts.StoredSecretKey(ctx)
	if err != nil {
		return nil, err
	}
	if log != nil {
		log.Warn("no PLAZA_SECRET_KEY set: channel credentials are encrypted with a key kept in the database; set one in production")
	}
	return secrets.New(key)
}

// Start runs the background workers (and, on the instance elected leader,
// the periodic scans for due work) and the broadcast engine until Stop.
func (a *App) Start(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	ctx, a.cancel = context.WithCancel(ctx)
	a.stopped = make(chan struct{})
	go func() {
		defer close(a.stopped)
		a.Broadcasts.Run(ctx)
	}()
	return nil
}

// Stop stops the job workers and the broadcast engine, and waits until the
// jobs and the messages in flight are finished and recorded, and the unsent
// rest of each claim given back, or until ctx ends; what is unfinished then
// is picked up again by the next start. ctx is the drain's own budget: a
// message in flight takes up to the engine's SendTimeout, then it is
// recorded, and the database must stay open until then; so do not pass a
// context already spent on something else.
func (a *App) Stop(ctx context.Context) error {
	jobs := make(chan error, 1)
	go func() { jobs <- a.Jobs.Stop(ctx) }()
	var errs []error
	if a.cancel != nil {
		a.cancel()
		select {
		case <-a.stopped:
		case <-ctx.Done():
		}
		// Checked again because select picks at random when both are
		// ready: only an engine still running is an error.
		select {
		case <-a.stopped:
		default:
			errs = append(errs, fmt.Errorf("broadcast workers still sending: %w", ctx.Err()))
		}
	}
	if err := <-jobs; err != nil {
		errs = append(errs, fmt.Errorf("job workers: %w", err))
	}
	return errors.Join(errs...)
}

// Close releases the database and the mail server's sessions; call it
// after Stop.
func (a *App) Close() error {
	a.Jobs.Close()
	if c, ok := a.sender.(io.Closer); ok {
		c.Close()
	}
	return a.DB.Close()
}

// Server is an http.Server with timeouts on every phase, so a slow client
// cannot hold a connection open for ever.
func Server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// NewLogger builds the slog logger the configuration asks for.
func NewLogger(cfg config.Config, w interface{ Write([]byte) (int, error) }) (*slog.Logger, error) {
	level, err := cfg.SlogLevel()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	if cfg.LogFormat != "text" {
		return nil, fmt.Errorf("log format %q", cfg.LogFormat)
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// chatScans credits follows through a scene in a chat app to the
// account's follow code (followcode.ChatScan), counting the person once
// per window by a keyed digest of their chat address, as the follow page
// counts a web client by one of its network.
type chatScans struct {
	codes  *followcode.Service
	signer *auth.Signer
}

func (s chatScans) ChatScan(ctx context.Context, tx models.Core, accountID int64, scene, channel, address string) (*int64, error) {
	return s.codes.ChatScan(ctx, tx, accountID, scene, channel, s.signer.Digest("scan-client", "chat:"+channel+":"+address))
}
