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
	// TrustedProxies are the networks whose X-Forwarded-For header is
	// believed; empty means clients connect directly.
	TrustedProxies []*net.IPNet
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
		{"login-limit", "PLAZA_LOGIN_LIMIT", "5", "failed sign-ins allowed per e-mail address in 15 minutes"},
		{"shutdown-timeout", "PLAZA_SHUTDOWN_TIMEOUT", "15s", "how long to finish requests in flight on SIGTERM"},
		{"smtp-url", "PLAZA_SMTP_URL", "log", "mail server: smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465, or log to write mail to the log"},
		{"mail-from", "PLAZA_MAIL_FROM", "no-reply@localhost", "sender address of mail to followers"},
		{"trusted-proxies", "PLAZA_TRUSTED_PROXIES", "", "comma-separated networks of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8; empty: use the connecting address"},
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
		}
		var err error
		if c.LoginLimit, err = strconv.Atoi(*vals["login-limit"]); err != nil || c.LoginLimit < 1 {
			return c, fmt.Errorf("login-limit %q: want a positive number", *vals["login-limit"])
		}
		if c.ShutdownTimeout, err = time.ParseDuration(*vals["shutdown-timeout"]); err != nil || c.ShutdownTimeout <= 0 {
			return c, fmt.Errorf("shutdown-timeout %q: want a duration such as 15s", *vals["shutdown-timeout"])
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
