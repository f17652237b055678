// Package config reads Plaza's settings from command-line flags and PLAZA_*
// environment variables. A flag wins over its variable, which wins over the
// default.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/outbound"
)

// Config is every setting of `plaza serve` and the other commands.
type Config struct {
	Addr            string
	DatabaseURL     string
	BaseURL         string
	LogLevel        string
	LogFormat       string
	LoginLimit      int
	ShutdownTimeout time.Duration
	SMTPURL         string
	MailFrom        string
	// DrainTimeout is how long the background workers get on SIGTERM,
	// after the HTTP shutdown and apart from it, to finish and record the
	// batches and jobs in flight before the database closes.
	DrainTimeout time.Duration
	// TrustedProxies are the networks whose X-Forwarded-For header is
	// believed; empty means clients connect directly.
	TrustedProxies []*net.IPNet
	// Location is the time zone staff enter and read times in.
	Location *time.Location
	// SecretKey encrypts channel credentials at rest; empty means a key
	// kept in the database (see README).
	SecretKey string
	// SendWorkers is how many batches this instance sends at once.
	SendWorkers int
	// ChannelRates caps messages per second per channel across every
	// instance; a channel not named has no cap.
	ChannelRates map[string]float64
	// SendEmergencyWorkers are kept for emergency broadcasts only.
	SendEmergencyWorkers int
	// SendConcurrency is how many messages one worker has in flight.
	SendConcurrency int
	// SendBatch is how many deliveries a worker claims at a time.
	SendBatch int
	// SendLease is how long a claim lasts without renewal: a worker renews
	// it while it sends, and after a crash another takes it over once it
	// has run out.
	SendLease time.Duration
	// FeedbackLimit is how many feedback forms one client address may
	// send per hour (a shared office or a mobile carrier's address is
	// many people, so it is generous).
	FeedbackLimit int
	// TileURL is a map tile server template ({z}/{x}/{y}); empty shows no
	// map.
	TileURL string
	// WeChatAPI and TelegramAPI are the chat platforms' API servers (a
	// test or staging server in place of the real one).
	WeChatAPI   string
	TelegramAPI string
	// FeedUpdateInterval is the least time between two updates of one
	// imported alert sent to followers; FeedNewAlertsPerHour caps the
	// notices one alert feed creates per hour.
	FeedUpdateInterval   time.Duration
	FeedNewAlertsPerHour int
	// Outbound is the allowance of networks and host names that requests
	// to addresses staff type (webhooks, alert feeds) may reach although
	// they are internal; nil allows public addresses only.
	Outbound *outbound.Policy
	// MetricsAddr is a second listener that serves only /metrics, for a
	// network the public cannot reach; empty: none.
	MetricsAddr string
	// MetricsToken lets a scraper read /metrics on the public listener
	// with "Authorization: Bearer <token>"; empty: /metrics is not served
	// there.
	MetricsToken string
}

// Setting documents one configuration value; README.md lists them all and
// a test keeps that list in step with this one.
type Setting struct {
	Flag, Env, Default, Usage string
}

// Settings lists every setting.
func Settings() []Setting {
	return []Setting{
		{"addr", "PLAZA_ADDR", ":8080", "address to listen on"},
		{"database-url", "PLAZA_DATABASE_URL", "sqlite:./data/plaza.db", "database: sqlite:PATH or postgres://user:pass@host/db"},
		{"base-url", "PLAZA_BASE_URL", "http://localhost:8080", "public address of this Plaza, used in links sent out (invites, QR codes)"},
		{"log-level", "PLAZA_LOG_LEVEL", "info", "debug, info, warn or error"},
		{"log-format", "PLAZA_LOG_FORMAT", "text", "text or json"},
		{"login-limit", "PLAZA_LOGIN_LIMIT", "5", "failed sign-ins allowed for one e-mail address from one client before growing locks"},
		{"shutdown-timeout", "PLAZA_SHUTDOWN_TIMEOUT", "15s", "how long to finish requests in flight on SIGTERM"},
		{"drain-timeout", "PLAZA_DRAIN_TIMEOUT", "1m", "how long the background workers get on SIGTERM, after the requests, to finish and record the messages in flight"},
		{"smtp-url", "PLAZA_SMTP_URL", "log", "mail server: smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465, or log to write mail to the log"},
		{"mail-from", "PLAZA_MAIL_FROM", "no-reply@localhost", "sender address of mail to followers"},
		{"timezone", "PLAZA_TIMEZONE", "UTC", "time zone in which staff enter and read times, e.g. Asia/Shanghai"},
		{"secret-key", "PLAZA_SECRET_KEY", "", "32-byte key (64 hex characters or base64) that encrypts channel credentials; empty: a key generated and kept in the database"},
		{"send-workers", "PLAZA_SEND_WORKERS", "4", "batches of a broadcast this instance sends at once"},
		{"send-emergency-workers", "PLAZA_SEND_EMERGENCY_WORKERS", "2", "workers kept for emergency broadcasts (Severe and Extreme safety notices) on top of --send-workers"},
		{"send-concurrency", "PLAZA_SEND_CONCURRENCY", "64", "messages one worker has in flight at once; after a crash at most this many per worker can be sent twice"},
		{"send-batch", "PLAZA_SEND_BATCH", "1000", "most deliveries a worker claims at a time"},
		{"channel-rates", "PLAZA_CHANNEL_RATES", "email=50", "messages per second per channel across all instances, e.g. email=50,webhook=500; a channel not named has no limit"},
		{"send-lease", "PLAZA_SEND_LEASE", "1m", "how long a claim lasts without renewal; the sending worker renews it, and after a crash another instance takes the claim over once it has run out"},
		{"feedback-limit", "PLAZA_FEEDBACK_LIMIT", "30", "feedback forms one client address may send per hour (each contact may send 5)"},
		{"tile-url", "PLAZA_TILE_URL", "", "map tile server for project locations, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: no map"},
		{"wechat-api-url", "PLAZA_WECHAT_API_URL", "https://api.weixin.qq.com", "WeChat API server the WeChat channel calls"},
		{"telegram-api-url", "PLAZA_TELEGRAM_API_URL", "https://api.telegram.org", "Telegram Bot API server the Telegram channel calls"},
		{"trusted-proxies", "PLAZA_TRUSTED_PROXIES", "", "comma-separated networks of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8; empty: use the connecting address"},
		{"feed-update-interval", "PLAZA_FEED_UPDATE_INTERVAL", "15m", "least time between two updates of one imported alert sent to followers; changes in between are held and the latest goes out"},
		{"feed-new-alerts-per-hour", "PLAZA_FEED_NEW_ALERTS_PER_HOUR", "20", "new notices one alert feed may create per hour; more new alerts wait for the next hour"},
		{"metrics-addr", "PLAZA_METRICS_ADDR", "", "address of a second listener that serves only /metrics, e.g. 127.0.0.1:9090; empty: none"},
		{"metrics-token", "PLAZA_METRICS_TOKEN", "", "bearer token that lets a scraper read /metrics on the public listener; empty: /metrics is not served there"},
		{"outbound-allow", "PLAZA_OUTBOUND_ALLOW", "", "comma-separated networks and host names that webhooks and alert feeds may reach although internal (loopback, private), e.g. 127.0.0.1/32,receiver.local for a test setup; empty: public addresses only"},
	}
}

// Register adds every setting to fs as a flag whose default comes from the
// environment, and returns a function that builds the Config after parsing.
func Register(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	vals := map[string]*string{}
	for _, s := range Settings() {
		def := s.Default
		if v := getenv(s.Env); v != "" {
			def = v
		}
		vals[s.Flag] = fs.String(s.Flag, def, s.Usage+" ($"+s.Env+")")
	}
	return func() (Config, error) {
		c := Config{
			Addr: *vals["addr"], DatabaseURL: *vals["database-url"], BaseURL: strings.TrimRight(*vals["base-url"], "/"),
			LogLevel: *vals["log-level"], LogFormat: *vals["log-format"],
			SMTPURL: *vals["smtp-url"], MailFrom: *vals["mail-from"],
			MetricsAddr: strings.TrimSpace(*vals["metrics-addr"]), MetricsToken: strings.TrimSpace(*vals["metrics-token"]),
		}
		var err error
		if c.LoginLimit, err = strconv.Atoi(*vals["login-limit"]); err != nil || c.LoginLimit < 1 {
			return c, fmt.Errorf("login-limit %q: want a positive number", *vals["login-limit"])
		}
		if c.FeedbackLimit, err = strconv.Atoi(*vals["feedback-limit"]); err != nil || c.FeedbackLimit < 1 {
			return c, fmt.Errorf("feedback-limit %q: want a positive number", *vals["feedback-limit"])
		}
		if c.TileURL = strings.TrimSpace(*vals["tile-url"]); c.TileURL != "" {
			u, err := url.Parse(c.TileURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
				!strings.Contains(c.TileURL, "{z}") || !strings.Contains(c.TileURL, "{x}") || !strings.Contains(c.TileURL, "{y}") {
				return c, fmt.Errorf("tile-url %q: want an http(s) URL with {z}, {x} and {y}", c.TileURL)
			}
		}
		for _, api := range []struct {
			name string
			to   *string
		}{{"wechat-api-url", &c.WeChatAPI}, {"telegram-api-url", &c.TelegramAPI}} {
			v := strings.TrimRight(strings.TrimSpace(*vals[api.name]), "/")
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return c, fmt.Errorf("%s %q: want an http(s) URL", api.name, v)
			}
			*api.to = v
		}
		if c.ShutdownTimeout, err = time.ParseDuration(*vals["shutdown-timeout"]); err != nil || c.ShutdownTimeout <= 0 {
			return c, fmt.Errorf("shutdown-timeout %q: want a duration such as 15s", *vals["shutdown-timeout"])
		}
		if c.DrainTimeout, err = time.ParseDuration(*vals["drain-timeout"]); err != nil || c.DrainTimeout <= 0 {
			return c, fmt.Errorf("drain-timeout %q: want a duration such as 1m", *vals["drain-timeout"])
		}
		for _, cidr := range strings.Split(*vals["trusted-proxies"], ",") {
			if cidr = strings.TrimSpace(cidr); cidr == "" {
				continue
			}
			_, n, err := net.ParseCIDR(cidr)
			if err != nil {
				return c, fmt.Errorf("trusted-proxies %q: want networks such as 10.0.0.0/8", cidr)
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
		if c.Location, err = time.LoadLocation(*vals["timezone"]); err != nil {
			return c, fmt.Errorf("timezone %q: want an IANA zone such as Asia/Shanghai or UTC", *vals["timezone"])
		}
		c.SecretKey = *vals["secret-key"]
		if c.SendWorkers, err = strconv.Atoi(*vals["send-workers"]); err != nil || c.SendWorkers < 1 || c.SendWorkers > 256 {
			return c, fmt.Errorf("send-workers %q: want a number from 1 to 256", *vals["send-workers"])
		}
		if c.SendEmergencyWorkers, err = strconv.Atoi(*vals["send-emergency-workers"]); err != nil || c.SendEmergencyWorkers < 1 || c.SendEmergencyWorkers > 64 {
			return c, fmt.Errorf("send-emergency-workers %q: want a number from 1 to 64", *vals["send-emergency-workers"])
		}
		if c.SendConcurrency, err = strconv.Atoi(*vals["send-concurrency"]); err != nil || c.SendConcurrency < 1 || c.SendConcurrency > 1024 {
			return c, fmt.Errorf("send-concurrency %q: want a number from 1 to 1024", *vals["send-concurrency"])
		}
		if c.SendBatch, err = strconv.Atoi(*vals["send-batch"]); err != nil || c.SendBatch < 1 || c.SendBatch > 10000 {
			return c, fmt.Errorf("send-batch %q: want a number from 1 to 10000", *vals["send-batch"])
		}
		if c.SendLease, err = time.ParseDuration(*vals["send-lease"]); err != nil || c.SendLease < time.Second {
			return c, fmt.Errorf("send-lease %q: want a duration of at least 1s, such as 1m", *vals["send-lease"])
		}
		if c.FeedUpdateInterval, err = time.ParseDuration(*vals["feed-update-interval"]); err != nil || c.FeedUpdateInterval < time.Minute {
			return c, fmt.Errorf("feed-update-interval %q: want a duration of at least 1m, such as 15m", *vals["feed-update-interval"])
		}
		if c.FeedNewAlertsPerHour, err = strconv.Atoi(*vals["feed-new-alerts-per-hour"]); err != nil || c.FeedNewAlertsPerHour < 1 {
			return c, fmt.Errorf("feed-new-alerts-per-hour %q: want a positive number", *vals["feed-new-alerts-per-hour"])
		}
		if c.Outbound, err = outbound.ParsePolicy(*vals["outbound-allow"]); err != nil {
			return c, fmt.Errorf("outbound-allow: %w", err)
		}
		if c.MetricsAddr != "" {
			if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
				return c, fmt.Errorf("metrics-addr %q: want host:port such as 127.0.0.1:9090", c.MetricsAddr)
			}
		}
		if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
			// A short token is guessable, and it guards every route's
			// traffic and error counts.
			return c, fmt.Errorf("metrics-token: want at least 16 characters, such as the output of `openssl rand -hex 16`")
		}
		if c.ChannelRates, err = parseRates(*vals["channel-rates"]); err != nil {
			return c, err
		}
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("base-url %q: want an absolute http(s) URL", c.BaseURL)
		}
		if _, err := c.SlogLevel(); err != nil {
			return c, err
		}
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return c, fmt.Errorf("mail-from %q: want an e-mail address", c.MailFrom)
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			return c, fmt.Errorf("log-format %q: want text or json", c.LogFormat)
		}
		return c, nil
	}
}

// SecureCookies is true when Plaza is reached over https.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// SlogLevel parses LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// parseRates reads "email=50,webhook=500".
func parseRates(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		r, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || err != nil || r < 0 || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("channel-rates %q: want channel=messages-per-second pairs such as email=50,webhook=500", s)
		}
		out[strings.TrimSpace(name)] = r
	}
	return out, nil
}
