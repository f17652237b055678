package config_test

import (
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/outbound"
)

// load parses args with env as the process environment.
func load(env map[string]string, args ...string) (config.Config, error) {
	fs := flag.NewFlagSet("plaza test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	build := config.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	return build()
}

func TestPrecedence(t *testing.T) {
	defaults := config.Config{
		Addr: ":8080", DatabaseURL: "sqlite:./data/plaza.db", BaseURL: "http://localhost:8080",
		LogLevel: "info", LogFormat: "text", LoginLimit: 5, ShutdownTimeout: 15 * time.Second, DrainTimeout: time.Minute,
		SMTPURL: "log", SMTPConnections: 16, MailFrom: "no-reply@localhost",
		Location: time.UTC, SendWorkers: 4, SendEmergencyWorkers: 2, SendConcurrency: 64, SendBatch: 1000, ChannelRates: map[string]float64{"email": 50}, SendLease: time.Minute, DeliveryRetention: 90 * 24 * time.Hour, FeedbackLimit: 30, BridgeTimeout: 4 * time.Second,
		WeChatAPI: "https://api.weixin.qq.com", TelegramAPI: "https://api.telegram.org",
		FeedUpdateInterval: 15 * time.Minute, FeedNewAlertsPerHour: 20,
	}
	with := func(f func(*config.Config)) config.Config {
		c := defaults
		f(&c)
		return c
	}
	allEnv := map[string]string{
		"PLAZA_ADDR": "127.0.0.1:9000", "PLAZA_DATABASE_URL": "postgres://env@db/plaza", "PLAZA_BASE_URL": "https://env.example.org",
		"PLAZA_LOG_LEVEL": "debug", "PLAZA_LOG_FORMAT": "json", "PLAZA_LOGIN_LIMIT": "7", "PLAZA_SHUTDOWN_TIMEOUT": "30s",
		"PLAZA_SMTP_URL": "smtp://env:pw@mail.env:587", "PLAZA_MAIL_FROM": "env@example.org",
	}
	fromEnv := config.Config{
		Addr: "127.0.0.1:9000", DatabaseURL: "postgres://env@db/plaza", BaseURL: "https://env.example.org",
		LogLevel: "debug", LogFormat: "json", LoginLimit: 7, ShutdownTimeout: 30 * time.Second, DrainTimeout: time.Minute,
		SMTPURL: "smtp://env:pw@mail.env:587", SMTPConnections: 16, MailFrom: "env@example.org",
		Location: time.UTC, SendWorkers: 4, SendEmergencyWorkers: 2, SendConcurrency: 64, SendBatch: 1000, ChannelRates: map[string]float64{"email": 50}, SendLease: time.Minute, DeliveryRetention: 90 * 24 * time.Hour, FeedbackLimit: 30, BridgeTimeout: 4 * time.Second,
		WeChatAPI: "https://api.weixin.qq.com", TelegramAPI: "https://api.telegram.org",
		FeedUpdateInterval: 15 * time.Minute, FeedNewAlertsPerHour: 20,
	}
	allFlags := []string{
		"--addr", ":7000", "--database-url", "sqlite:/tmp/flag.db", "--base-url", "http://flag.example.org:8000",
		"--log-level", "warn", "--log-format", "text", "--login-limit", "3", "--shutdown-timeout", "2m",
		"--smtp-url", "smtps://flag.example.org", "--mail-from", "Flag <flag@example.org>",
	}
	fromFlags := config.Config{
		Addr: ":7000", DatabaseURL: "sqlite:/tmp/flag.db", BaseURL: "http://flag.example.org:8000",
		LogLevel: "warn", LogFormat: "text", LoginLimit: 3, ShutdownTimeout: 2 * time.Minute, DrainTimeout: time.Minute,
		SMTPURL: "smtps://flag.example.org", SMTPConnections: 16, MailFrom: "Flag <flag@example.org>",
		Location: time.UTC, SendWorkers: 4, SendEmergencyWorkers: 2, SendConcurrency: 64, SendBatch: 1000, ChannelRates: map[string]float64{"email": 50}, SendLease: time.Minute, DeliveryRetention: 90 * 24 * time.Hour, FeedbackLimit: 30, BridgeTimeout: 4 * time.Second,
		WeChatAPI: "https://api.weixin.qq.com", TelegramAPI: "https://api.telegram.org",
		FeedUpdateInterval: 15 * time.Minute, FeedNewAlertsPerHour: 20,
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want config.Config
	}{
		{"defaults", nil, nil, defaults},
		{"every variable", allEnv, nil, fromEnv},
		{"every flag", nil, allFlags, fromFlags},
		{"flags win over variables", allEnv, allFlags, fromFlags},
		{"an empty variable is unset", map[string]string{"PLAZA_ADDR": "", "PLAZA_LOGIN_LIMIT": ""}, nil, defaults},
		{"one flag over its variable, the other variables stay", allEnv, []string{"--login-limit=9"},
			func() config.Config { c := fromEnv; c.LoginLimit = 9; return c }()},
		{"one variable, the rest defaults", map[string]string{"PLAZA_SHUTDOWN_TIMEOUT": "1m30s"}, nil,
			with(func(c *config.Config) { c.ShutdownTimeout = 90 * time.Second })},
		{"drain timeout", map[string]string{"PLAZA_DRAIN_TIMEOUT": "2m30s"}, nil,
			with(func(c *config.Config) { c.DrainTimeout = 150 * time.Second })},
		{"single-dash flag", nil, []string{"-addr", ":1234"}, with(func(c *config.Config) { c.Addr = ":1234" })},
		{"base URL loses its trailing slash", map[string]string{"PLAZA_BASE_URL": "https://plaza.example.org/"}, nil,
			with(func(c *config.Config) { c.BaseURL = "https://plaza.example.org" })},
		{"base URL with a path", nil, []string{"--base-url", "https://example.org/plaza/"},
			with(func(c *config.Config) { c.BaseURL = "https://example.org/plaza" })},
		{"log levels as slog spells them", nil, []string{"--log-level", "ERROR"},
			with(func(c *config.Config) { c.LogLevel = "ERROR" })},
		{"sending settings", map[string]string{"PLAZA_SEND_WORKERS": "8", "PLAZA_CHANNEL_RATES": " email=20, webhook=1500.5 ,",
			"PLAZA_SEND_LEASE": "5s", "PLAZA_SECRET_KEY": "k"}, nil,
			with(func(c *config.Config) {
				c.SendWorkers, c.SendLease, c.SecretKey = 8, 5*time.Second, "k"
				c.ChannelRates = map[string]float64{"email": 20, "webhook": 1500.5}
			})},
		{"alert feed limits", map[string]string{"PLAZA_FEED_UPDATE_INTERVAL": "1h", "PLAZA_FEED_NEW_ALERTS_PER_HOUR": "5"}, nil,
			with(func(c *config.Config) { c.FeedUpdateInterval, c.FeedNewAlertsPerHour = time.Hour, 5 })},
		{"chat API servers", map[string]string{"PLAZA_WECHAT_API_URL": "http://127.0.0.1:9001/", "PLAZA_TELEGRAM_API_URL": "https://bots.example.org"}, nil,
			with(func(c *config.Config) {
				c.WeChatAPI, c.TelegramAPI = "http://127.0.0.1:9001", "https://bots.example.org"
			})},
		{"trusted proxies", map[string]string{"PLAZA_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.7/32 "}, nil,
			with(func(c *config.Config) {
				_, a, _ := net.ParseCIDR("10.0.0.0/8")
				_, b, _ := net.ParseCIDR("192.168.1.7/32")
				c.TrustedProxies = []*net.IPNet{a, b}
			})},
		{"outbound allowance", map[string]string{"PLAZA_OUTBOUND_ALLOW": " 127.0.0.1/32, ::1/128,receiver.test "}, nil,
			with(func(c *config.Config) {
				c.Outbound, _ = outbound.ParsePolicy("127.0.0.1/32,::1/128,receiver.test")
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := load(tt.env, tt.args...)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBadValues(t *testing.T) {
	bad := []struct {
		flag, value, want string
	}{
		{"login-limit", "0", `login-limit "0"`},
		{"login-limit", "-3", `login-limit "-3"`},
		{"login-limit", "five", `login-limit "five"`},
		{"shutdown-timeout", "soon", `shutdown-timeout "soon"`},
		{"shutdown-timeout", "15", `shutdown-timeout "15"`},
		{"shutdown-timeout", "0s", `shutdown-timeout "0s"`},
		{"shutdown-timeout", "-1s", `shutdown-timeout "-1s"`},
		{"drain-timeout", "0s", `drain-timeout "0s"`},
		{"drain-timeout", "1", `drain-timeout "1"`},
		{"base-url", "ftp://x", `base-url "ftp://x"`},
		{"trusted-proxies", "10.0.0.1", `trusted-proxies "10.0.0.1"`},
		{"outbound-allow", "10.0.0.0/33", `outbound-allow: outbound allowance "10.0.0.0/33"`},
		{"outbound-allow", "http://receiver.test", `outbound-allow: outbound allowance "http://receiver.test"`},
		{"metrics-addr", "9090", `metrics-addr "9090": want host:port`},
		{"metrics-token", "short", "metrics-token: want at least 16 characters"},
		{"mail-from", "not an address", `mail-from "not an address"`},
		{"trusted-proxies", "10.0.0.0/8,everyone", `trusted-proxies "everyone"`},
		{"base-url", "nope", `base-url "nope"`},
		{"base-url", "http://", `base-url "http:`},
		{"base-url", "localhost:8080", `base-url "localhost:8080"`},
		{"log-level", "loud", `log-level "loud"`},
		{"log-format", "xml", `log-format "xml"`},
		{"timezone", "Mars/Olympus", `timezone "Mars/Olympus"`},
		{"send-workers", "0", `send-workers "0"`},
		{"send-batch", "0", `send-batch "0"`},
		{"send-workers", "many", `send-workers "many"`},
		{"send-lease", "10ms", `send-lease "10ms"`},
		{"send-concurrency", "0", `send-concurrency "0"`},
		{"send-emergency-workers", "none", `send-emergency-workers "none"`},
		{"channel-rates", "email", `channel-rates "email"`},
		{"channel-rates", "email=-1", `channel-rates "email=-1"`},
		{"channel-rates", "=5", `channel-rates "=5"`},
		{"feedback-limit", "0", `feedback-limit "0"`},
		{"bridge-in-flight", "-1", `bridge-in-flight "-1"`},
		{"bridge-timeout", "soon", `bridge-timeout "soon"`},
		{"delivery-retention", "-1d", `delivery-retention "-1d"`},
		{"delivery-retention", "10m", `delivery-retention "10m"`},
		{"delivery-retention", "ninety", `delivery-retention "ninety"`},
		{"tile-url", "tiles.example/{z}/{x}/{y}.png", `tile-url "tiles.example`},
		{"tile-url", "https://tiles.example/map.png", `tile-url "https://tiles.example/map.png"`},
		{"tile-url", "javascript:{z}{x}{y}", `tile-url "javascript:`},
		{"wechat-api-url", "api.weixin.qq.com", `wechat-api-url "api.weixin.qq.com"`},
		{"telegram-api-url", "ftp://bots.example.org", `telegram-api-url "ftp://bots.example.org"`},
		{"feed-update-interval", "30s", `feed-update-interval "30s"`},
		{"feed-update-interval", "15", `feed-update-interval "15"`},
		{"feed-new-alerts-per-hour", "0", `feed-new-alerts-per-hour "0"`},
		{"feed-new-alerts-per-hour", "many", `feed-new-alerts-per-hour "many"`},
	}
	for _, tt := range bad {
		// The same value is refused whether it comes from a flag or from
		// the environment.
		env := "PLAZA_" + strings.ToUpper(strings.ReplaceAll(tt.flag, "-", "_"))
		for source, try := range map[string]func() (config.Config, error){
			"flag":     func() (config.Config, error) { return load(nil, "--"+tt.flag, tt.value) },
			"variable": func() (config.Config, error) { return load(map[string]string{env: tt.value}) },
		} {
			_, err := try()
			if err == nil {
				t.Errorf("%s %s=%q was accepted", source, tt.flag, tt.value)
				continue
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s %s=%q: error %q; want it to name the setting and value (%q)", source, tt.flag, tt.value, err, tt.want)
			}
		}
	}
}

func TestUnknownFlag(t *testing.T) {
	if _, err := load(nil, "--port", "80"); err == nil || !strings.Contains(err.Error(), "-port") {
		t.Fatalf("unknown flag: err %v", err)
	}
}

func TestSlogLevelAndCookies(t *testing.T) {
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	for name, want := range levels {
		c, err := load(nil, "--log-level", name)
		if err != nil {
			t.Fatalf("log-level %s: %v", name, err)
		}
		if got, err := c.SlogLevel(); err != nil || got != want {
			t.Errorf("log-level %s: SlogLevel() = %v, %v; want %v", name, got, err, want)
		}
	}
	for base, secure := range map[string]bool{"https://plaza.example.org": true, "http://localhost:8080": false} {
		c, err := load(nil, "--base-url", base)
		if err != nil {
			t.Fatal(err)
		}
		if c.SecureCookies() != secure {
			t.Errorf("base-url %s: SecureCookies() = %v, want %v", base, c.SecureCookies(), secure)
		}
	}
}

// TestEverySettingIsAFlag keeps Settings and the flag set in step: every
// setting is registered, documented with its variable, and defaults to
// what Settings says.
func TestEverySettingIsAFlag(t *testing.T) {
	fs := flag.NewFlagSet("plaza test", flag.ContinueOnError)
	config.Register(fs, func(string) string { return "" })
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n != len(config.Settings()) {
		t.Errorf("%d flags registered for %d settings", n, len(config.Settings()))
	}
	for _, s := range config.Settings() {
		f := fs.Lookup(s.Flag)
		if f == nil {
			t.Errorf("setting %s has no flag", s.Flag)
			continue
		}
		if f.DefValue != s.Default {
			t.Errorf("--%s defaults to %q, Settings says %q", s.Flag, f.DefValue, s.Default)
		}
		if !strings.Contains(f.Usage, "$"+s.Env) {
			t.Errorf("--%s usage %q does not name $%s", s.Flag, f.Usage, s.Env)
		}
		if s.Env != "PLAZA_"+strings.ToUpper(strings.ReplaceAll(s.Flag, "-", "_")) {
			t.Errorf("setting %s has variable %s; want PLAZA_ and the flag's name", s.Flag, s.Env)
		}
	}
	// The defaults themselves are valid.
	if _, err := load(nil); err != nil {
		t.Fatalf("the defaults do not load: %v", err)
	}
}

// TestReadmeListsEverySetting keeps README.md's configuration table in
// step with Settings: each setting has a line naming its flag, its
// variable and its default.
func TestReadmeListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("README.md should document every setting: %v", err)
	}
	readme := string(b)
	lines := strings.Split(readme, "\n")
	for _, s := range config.Settings() {
		flagRE := regexp.MustCompile(`(^|[^a-z-])--` + regexp.QuoteMeta(s.Flag) + `($|[^a-z-])`)
		envRE := regexp.MustCompile(`(^|[^A-Z_])` + regexp.QuoteMeta(s.Env) + `($|[^A-Z_])`)
		if !flagRE.MatchString(readme) {
			t.Errorf("README.md does not mention the flag --%s", s.Flag)
		}
		if !envRE.MatchString(readme) {
			t.Errorf("README.md does not mention the variable %s", s.Env)
		}
		found := false
		for _, l := range lines {
			if flagRE.MatchString(l) && envRE.MatchString(l) && strings.Contains(l, s.Default) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md has no line giving --%s, %s and its default %q together", s.Flag, s.Env, s.Default)
		}
	}
}

// TestEachSettingHasItsOwnField gives every setting, one at a time, a
// valid value other than its default, and checks that exactly one field
// of Config changes, a different one for each setting: no setting is
// parsed into another's field or left unread.
func TestEachSettingHasItsOwnField(t *testing.T) {
	sample := map[string]string{
		"addr": ":1", "database-url": "postgres://x@db/plaza", "base-url": "https://plaza.example.org", "log-level": "debug",
		"log-format": "json", "login-limit": "9", "shutdown-timeout": "1m", "drain-timeout": "2m", "smtp-url": "smtp://mail.example.org", "smtp-connections": "9",
		"mail-from": "a@example.org", "timezone": "Asia/Shanghai", "secret-key": "k", "send-workers": "9", "send-emergency-workers": "9",
		"send-concurrency": "9", "send-batch": "9", "channel-rates": "sms=1", "send-lease": "5s", "feedback-limit": "9", "delivery-retention": "30d",
		"bridge-in-flight": "9", "bridge-timeout": "2s",
		"tile-url": "https://tiles.example.org/{z}/{x}/{y}.png", "wechat-api-url": "http://127.0.0.1:1", "telegram-api-url": "http://127.0.0.1:2",
		"trusted-proxies": "10.0.0.0/8", "feed-update-interval": "1h", "feed-new-alerts-per-hour": "9", "metrics-addr": "127.0.0.1:9090",
		"metrics-token": "0123456789abcdef", "outbound-allow": "127.0.0.1/32",
	}
	defaults, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := reflect.ValueOf(defaults)
	owner := map[string]string{}
	for _, s := range config.Settings() {
		v, ok := sample[s.Flag]
		if !ok {
			t.Errorf("no sample value for --%s: add one", s.Flag)
			continue
		}
		c, err := load(nil, "--"+s.Flag, v)
		if err != nil {
			t.Fatalf("--%s %q: %v", s.Flag, v, err)
		}
		got := reflect.ValueOf(c)
		var changed []string
		for i := range got.NumField() {
			if !reflect.DeepEqual(got.Field(i).Interface(), d.Field(i).Interface()) {
				changed = append(changed, got.Type().Field(i).Name)
			}
		}
		if len(changed) != 1 {
			t.Errorf("--%s %q changed the fields %v, want exactly one", s.Flag, v, changed)
			continue
		}
		if other, dup := owner[changed[0]]; dup {
			t.Errorf("--%s and --%s both set Config.%s", other, s.Flag, changed[0])
		}
		owner[changed[0]] = s.Flag
	}
}

// TestDeliveryRetention: days, Go durations and 0 (keep every delivery).
func TestDeliveryRetention(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{{"90d", 90 * 24 * time.Hour}, {"1d", 24 * time.Hour}, {"2160h", 2160 * time.Hour}, {"0", 0}, {"0d", 0}} {
		got, err := load(nil, "--delivery-retention", c.in)
		if err != nil || got.DeliveryRetention != c.want {
			t.Errorf("--delivery-retention %s = %v, %v; want %v", c.in, got.DeliveryRetention, err, c.want)
		}
	}
	def, err := load(nil)
	if err != nil || def.DeliveryRetention != 90*24*time.Hour {
		t.Errorf("default retention = %v, %v", def.DeliveryRetention, err)
	}
}
