// Package redact takes secrets out of text bound for a log: error messages
// of the chat platforms' clients, the webhook and feed clients and the
// mailer can carry a URL with an AppSecret or access token in its query, a
// Telegram bot token in its path, a password in its user info, or an
// Authorization header. Staff never see such text (they get a short
// translated reason); the log gets it through String or Error.
package redact

import "regexp"

// Mask replaces every secret.
const Mask = "[REDACTED]"

// rule is one kind of secret and what replaces it (keeping the
// parameter's name, the path's prefix).
type rule struct {
	re   *regexp.Regexp
	repl string
}

// secretNames are query parameters and JSON fields that hold secrets in
// the APIs Plaza calls (WeChat's secret and access_token, OAuth's
// client_secret, the usual token, key and password names).
const secretNames = `(?:app_?secret|client_secret|secret|secret_token|access_token|refresh_token|bot_token|token|api_?key|key|password|passwd|pwd|sig|signature|msg_signature|encodingaeskey|aes_?key)`

// rules are compiled once and never changed.
var rules = []rule{
	// ?secret=... &access_token=...
	{regexp.MustCompile(`(?i)([?&;]` + secretNames + `=)[^&;\s"'<>]*`), "${1}" + Mask},
	// "access_token": "..." in a JSON body.
	{regexp.MustCompile(`(?i)("` + secretNames + `"\s*:\s*")[^"]*`), "${1}" + Mask},
	// Telegram's /bot<id>:<token>/, and a bot token anywhere else.
	{regexp.MustCompile(`(/bot)[0-9]+:[A-Za-z0-9_-]+`), "${1}" + Mask},
	{regexp.MustCompile(`\b[0-9]{5,}:[A-Za-z0-9_-]{30,}`), Mask},
	// Authorization: Bearer ... / Basic ... (a header line, or a header
	// map as Go prints it).
	{regexp.MustCompile(`(?i)(authorization"?\s*[:=]\s*\[?"?(?:bearer\s+|basic\s+|token\s+)?)[^\s"\],]+`), "${1}" + Mask},
	// scheme://user:password@host
	{regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@`), "${1}" + Mask + "@"},
}

// String returns s with every secret it recognizes replaced by Mask.
func String(s string) string {
	for _, r := range rules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// Error is err's message redacted ("" for nil), for a log line.
func Error(err error) string {
	if err == nil {
		return ""
	}
	return String(err.Error())
}
