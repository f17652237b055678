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
	// SMTPConnections bounds the SMTP sessions one instance holds open.
	SMTPConnections int
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
	// DeliveryRetention is how long the per-recipient rows of a finished
	// broadcast are kept (0: for ever); its counters are kept for ever.
	DeliveryRetention time.Duration
	// FeedbackLimit is how many feedback forms one client address may
	// send per hour (a shared office or a mobile carrier's address is
	// many people, so it is generous).
	FeedbackLimit int
	// BridgeInFlight bounds the chat platforms' callbacks handled at once;
	// one more is answered 503 at once so the platform retries later,
	// instead of queueing for the database. 0: the database pool.
	BridgeInFlight int
	// BridgeTimeout bounds the work of one callback, below WeChat's 5 s
	// after which it hangs up and retries anyway.
	BridgeTimeout time.Duration
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

// option is a setting with the parser that puts its value into its field
// of Config. Each setting is read through its own option, never looked up
// by name, so a misspelt name cannot compile into a nil pointer at run
// time.
type option struct {
	Setting
	// parse checks v (the flag's value, else the variable's, else the
	// default) and stores it in c; errors name the setting and the value.
	parse func(c *Config, name, v string) error
}

// options lists every setting, in the order the values are checked: the
// first bad one is reported.
func options() []option {
	return []option{
		{Setting{"addr", "PLAZA_ADDR", ":8080", "address to listen on"},
			text(func(c *Config) *string { return &c.Addr })},
		{Setting{"database-url", "PLAZA_DATABASE_URL", "sqlite:./data/plaza.db", "database: sqlite:PATH or postgres://user:pass@host/db"},
			text(func(c *Config) *string { return &c.DatabaseURL })},
		{Setting{"base-url", "PLAZA_BASE_URL", "http://localhost:8080", "public address of this Plaza, used in links sent out (invites, QR codes)"},
			parseBaseURL},
		{Setting{"log-level", "PLAZA_LOG_LEVEL", "info", "debug, info, warn or error"},
			parseLogLevel},
		{Setting{"log-format", "PLAZA_LOG_FORMAT", "text", "text or json"},
			parseLogFormat},
		{Setting{"login-limit", "PLAZA_LOGIN_LIMIT", "5", "failed sign-ins allowed for one e-mail address from one client before growing locks"},
			positive(func(c *Config) *int { return &c.LoginLimit })},
		{Setting{"shutdown-timeout", "PLAZA_SHUTDOWN_TIMEOUT", "15s", "how long to finish requests in flight on SIGTERM"},
			duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, time.Nanosecond, "a duration such as 15s")},
		{Setting{"drain-timeout", "PLAZA_DRAIN_TIMEOUT", "1m", "how long the background workers get on SIGTERM, after the requests, to finish and record the messages in flight"},
			duration(func(c *Config) *time.Duration { return &c.DrainTimeout }, time.Nanosecond, "a duration such as 1m")},
		{Setting{"smtp-url", "PLAZA_SMTP_URL", "log", "mail server: smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465, or log to write mail to the log"},
			text(func(c *Config) *string { return &c.SMTPURL })},
		{Setting{"smtp-connections", "PLAZA_SMTP_CONNECTIONS", "16", "SMTP sessions one instance keeps open at most; messages take turns on them"},
			between(func(c *Config) *int { return &c.SMTPConnections }, 1, 1000)},
		{Setting{"mail-from", "PLAZA_MAIL_FROM", "no-reply@localhost", "sender address of mail to followers"},
			parseMailFrom},
		{Setting{"timezone", "PLAZA_TIMEZONE", "UTC", "time zone in which staff enter and read times, e.g. Asia/Shanghai"},
			parseTimezone},
		{Setting{"secret-key", "PLAZA_SECRET_KEY", "", "32-byte key (64 hex characters or base64) that encrypts channel credentials; empty: a key generated and kept in the database"},
			text(func(c *Config) *string { return &c.SecretKey })},
		{Setting{"send-workers", "PLAZA_SEND_WORKERS", "4", "batches of a broadcast this instance sends at once"},
			between(func(c *Config) *int { return &c.SendWorkers }, 1, 256)},
		{Setting{"send-emergency-workers", "PLAZA_SEND_EMERGENCY_WORKERS", "2", "workers kept for emergency broadcasts (Severe and Extreme safety notices) on top of --send-workers"},
			between(func(c *Config) *int { return &c.SendEmergencyWorkers }, 1, 64)},
		{Setting{"send-concurrency", "PLAZA_SEND_CONCURRENCY", "64", "messages one worker has in flight at once; after a crash at most this many per worker can be sent twice"},
			between(func(c *Config) *int { return &c.SendConcurrency }, 1, 1024)},
		{Setting{"send-batch", "PLAZA_SEND_BATCH", "1000", "most deliveries a worker claims at a time"},
			between(func(c *Config) *int { return &c.SendBatch }, 1, 10000)},
		{Setting{"channel-rates", "PLAZA_CHANNEL_RATES", "email=50", "messages per second per channel across all instances, e.g. email=50,webhook=500; a channel not named has no limit"},
			func(c *Config, _, v string) (err error) { c.ChannelRates, err = parseRates(v); return err }},
		{Setting{"send-lease", "PLAZA_SEND_LEASE", "1m", "how long a claim lasts without renewal; the sending worker renews it, and after a crash another instance takes the claim over once it has run out"},
			duration(func(c *Config) *time.Duration { return &c.SendLease }, time.Second, "a duration of at least 1s, such as 1m")},
		{Setting{"delivery-retention", "PLAZA_DELIVERY_RETENTION", "90d", "how long each follower's delivery of a finished broadcast is kept, e.g. 90d or 2160h; the broadcast's counts are kept for ever; 0: keep every delivery"},
			parseRetention},
		{Setting{"feedback-limit", "PLAZA_FEEDBACK_LIMIT", "30", "feedback forms one client address may send per hour (each contact may send 5)"},
			positive(func(c *Config) *int { return &c.FeedbackLimit })},
		{Setting{"bridge-in-flight", "PLAZA_BRIDGE_IN_FLIGHT", "0", "chat platforms' callbacks handled at once; more are answered 503 at once for the platform to retry; 0: 1.6 × the database pool on PostgreSQL, 64 on SQLite"},
			between(func(c *Config) *int { return &c.BridgeInFlight }, 0, 100000)},
		{Setting{"bridge-timeout", "PLAZA_BRIDGE_TIMEOUT", "4s", "longest work on one chat callback before it is given up and answered 503 (WeChat hangs up after 5 s)"},
			duration(func(c *Config) *time.Duration { return &c.BridgeTimeout }, time.Millisecond, "a duration such as 4s")},
		{Setting{"tile-url", "PLAZA_TILE_URL", "", "map tile server for project locations, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: no map"},
			parseTileURL},
		{Setting{"wechat-api-url", "PLAZA_WECHAT_API_URL", "https://api.weixin.qq.com", "WeChat API server the WeChat channel calls"},
			apiURL(func(c *Config) *string { return &c.WeChatAPI })},
		{Setting{"telegram-api-url", "PLAZA_TELEGRAM_API_URL", "https://api.telegram.org", "Telegram Bot API server the Telegram channel calls"},
			apiURL(func(c *Config) *string { return &c.TelegramAPI })},
		{Setting{"trusted-proxies", "PLAZA_TRUSTED_PROXIES", "", "comma-separated networks of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8; empty: use the connecting address"},
			parseTrustedProxies},
		{Setting{"feed-update-interval", "PLAZA_FEED_UPDATE_INTERVAL", "15m", "least time between two updates of one imported alert sent to followers; changes in between are held and the latest goes out"},
			duration(func(c *Config) *time.Duration { return &c.FeedUpdateInterval }, time.Minute, "a duration of at least 1m, such as 15m")},
		{Setting{"feed-new-alerts-per-hour", "PLAZA_FEED_NEW_ALERTS_PER_HOUR", "20", "new notices one alert feed may create per hour; more new alerts wait for the next hour"},
			positive(func(c *Config) *int { return &c.FeedNewAlertsPerHour })},
		{Setting{"metrics-addr", "PLAZA_METRICS_ADDR", "", "address of a second listener that serves only /metrics, e.g. 127.0.0.1:9090; empty: none"},
			parseMetricsAddr},
		{Setting{"metrics-token", "PLAZA_METRICS_TOKEN", "", "bearer token that lets a scraper read /metrics on the public listener; empty: /metrics is not served there"},
			parseMetricsToken},
		{Setting{"outbound-allow", "PLAZA_OUTBOUND_ALLOW", "", "comma-separated networks and host names that webhooks and alert feeds may reach although internal (loopback, private), e.g. 127.0.0.1/32,receiver.local for a test setup; empty: public addresses only"},
			func(c *Config, name, v string) (err error) {
				if c.Outbound, err = outbound.ParsePolicy(v); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				return nil
			}},
	}
}

// Settings lists every setting.
func Settings() []Setting {
	opts := options()
	out := make([]Setting, len(opts))
	for i, o := range opts {
		out[i] = o.Setting
	}
	return out
}

// Register adds every setting to fs as a flag whose default comes from the
// environment, and returns a function that builds the Config after parsing.
//
// The flags are string flags, parsed into their types after fs.Parse: so
// --help shows each default as the environment makes it, and a bad value
// gets Plaza's message (naming the setting, the value and what is wanted)
// whether it came from a flag or a variable, rather than the flag
// package's "parse error" and a dump of every flag.
func Register(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	type registered struct {
		option
		value *string
	}
	var all []registered
	for _, o := range options() {
		def := o.Default
		if v := getenv(o.Env); v != "" {
			def = v
		}
		all = append(all, registered{o, fs.String(o.Flag, def, o.Usage+" ($"+o.Env+")")})
	}
	return func() (Config, error) {
		var c Config
		for _, r := range all {
			if err := r.parse(&c, r.Flag, *r.value); err != nil {
				return c, err
			}
		}
		return c, nil
	}
}

// text stores the value as it is.
func text(field func(*Config) *string) func(*Config, string, string) error {
	return func(c *Config, _, v string) error {
		*field(c) = v
		return nil
	}
}

// positive parses a whole number of at least 1.
func positive(field func(*Config) *int) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("%s %q: want a positive number", name, v)
		}
		*field(c) = n
		return nil
	}
}

// between parses a whole number from lo to hi.
func between(field func(*Config) *int, lo, hi int) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%s %q: want a number from %d to %d", name, v, lo, hi)
		}
		*field(c) = n
		return nil
	}
}

// duration parses a duration of at least least; want says what is wanted.
func duration(field func(*Config) *time.Duration, least time.Duration, want string) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < least {
			return fmt.Errorf("%s %q: want %s", name, v, want)
		}
		*field(c) = d
		return nil
	}
}

// parseRetention parses the delivery retention: a number of days (90d) or
// a Go duration of at least an hour; 0 keeps every delivery.
func parseRetention(c *Config, name, v string) error {
	v = strings.TrimSpace(v)
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		if n < 0 || n > 100*365 {
			err = fmt.Errorf("out of range")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < 0 || (d > 0 && d < time.Hour) {
		return fmt.Errorf("%s %q: want a number of days such as 90d, a duration of at least 1h such as 2160h, or 0 to keep every delivery", name, v)
	}
	c.DeliveryRetention = d
	return nil
}

// apiURL parses a chat platform's API server, without a trailing slash.
func apiURL(field func(*Config) *string) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		v = strings.TrimRight(strings.TrimSpace(v), "/")
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s %q: want an http(s) URL", name, v)
		}
		*field(c) = v
		return nil
	}
}

func parseBaseURL(c *Config, name, v string) error {
	c.BaseURL = strings.TrimRight(v, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q: want an absolute http(s) URL", name, c.BaseURL)
	}
	return nil
}

func parseLogLevel(c *Config, _, v string) error {
	c.LogLevel = v
	_, err := c.SlogLevel()
	return err
}

func parseLogFormat(c *Config, name, v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("%s %q: want text or json", name, v)
	}
	c.LogFormat = v
	return nil
}

func parseMailFrom(c *Config, name, v string) error {
	if _, err := mail.ParseAddress(v); err != nil {
		return fmt.Errorf("%s %q: want an e-mail address", name, v)
	}
	c.MailFrom = v
	return nil
}

func parseTimezone(c *Config, name, v string) (err error) {
	if c.Location, err = time.LoadLocation(v); err != nil {
		return fmt.Errorf("%s %q: want an IANA zone such as Asia/Shanghai or UTC", name, v)
	}
	return nil
}

func parseTileURL(c *Config, name, v string) error {
	if c.TileURL = strings.TrimSpace(v); c.TileURL == "" {
		return nil
	}
	u, err := url.Parse(c.TileURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		!strings.Contains(c.TileURL, "{z}") || !strings.Contains(c.TileURL, "{x}") || !strings.Contains(c.TileURL, "{y}") {
		return fmt.Errorf("%s %q: want an http(s) URL with {z}, {x} and {y}", name, c.TileURL)
	}
	return nil
}

func parseTrustedProxies(c *Config, name, v string) error {
	for _, cidr := range strings.Split(v, ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return fmt.Errorf("%s %q: want networks such as 10.0.0.0/8", name, cidr)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	return nil
}

func parseMetricsAddr(c *Config, name, v string) error {
	if c.MetricsAddr = strings.TrimSpace(v); c.MetricsAddr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		return fmt.Errorf("%s %q: want host:port such as 127.0.0.1:9090", name, c.MetricsAddr)
	}
	return nil
}

func parseMetricsToken(c *Config, name, v string) error {
	if c.MetricsToken = strings.TrimSpace(v); c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		// A short token is guessable, and it guards every route's
		// traffic and error counts.
		return fmt.Errorf("%s: want at least 16 characters, such as the output of `openssl rand -hex 16`", name)
	}
	return nil
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
