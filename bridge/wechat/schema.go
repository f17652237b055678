package wechat

import (
	"crypto/rand"
	"regexp"
	"strings"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// The settings' field names, as the form posts them and the database
// keeps them.
const (
	FieldAppID      = "app_id"
	FieldAppSecret  = "app_secret"
	FieldToken      = "token"
	FieldAESKey     = "aes_key"
	FieldSafeMode   = "safe_mode"
	FieldTemplateID = "template_id"
)

// SettingsSchema is the account's WeChat settings: the AppSecret Plaza calls
// WeChat with is write-only; the Token and EncodingAESKey WeChat signs
// and encrypts with are generated for staff to paste into its console.
var SettingsSchema = bridge.Schema{
	Title: "chat.wechat_h", Hint: "chat.wechat_hint",
	Fields: []bridge.Field{
		{Name: FieldAppID, Label: "chat.app_id", Kind: channel.Text, Required: true, Max: 32, Placeholder: "wx0123456789abcdef"},
		{Name: FieldAppSecret, Label: "chat.app_secret", Hint: "chat.secret_keep", Kind: channel.Text, Required: true, Secret: true, WriteOnly: true, Max: 64},
		{Name: FieldToken, Label: "chat.token", Hint: "chat.token_hint", Kind: channel.Text, Secret: true, Fact: true, Max: 32},
		{Name: FieldAESKey, Label: "chat.aes_key", Kind: channel.Text, Secret: true, Fact: true, Max: 43},
		{Name: FieldSafeMode, Label: "chat.safe_mode", Hint: "chat.safe_mode_hint", Kind: channel.Bool},
		{Name: FieldTemplateID, Label: "chat.template_id", Hint: "chat.template_hint", Kind: channel.Text, Max: 100},
	},
	Validate: validate,
}

// Schema describes the settings on the chat page.
func (c *Channel) Schema() bridge.Schema { return SettingsSchema }

var (
	appIDPattern    = regexp.MustCompile(`^wx[0-9a-zA-Z]{8,30}$`)
	tokenPattern    = regexp.MustCompile(`^[0-9a-zA-Z]{3,32}$`)
	aesKeyPattern   = regexp.MustCompile(`^[0-9a-zA-Z]{43}$`)
	templatePattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,100}$`)
)

func validate(s *bridge.Settings, v *models.ValidationError) {
	if s.Get(FieldToken) == "" {
		s.Set(FieldToken, bridge.RandomHex(16))
	}
	if s.Get(FieldAESKey) == "" {
		s.Set(FieldAESKey, NewAESKey())
	}
	if !appIDPattern.MatchString(s.Get(FieldAppID)) {
		v.Add(FieldAppID, "chat.err_app_id")
	}
	if secret := s.Get(FieldAppSecret); secret == "" && s.Enabled {
		v.Add(FieldAppSecret, "err.required")
	} else if len(secret) > 64 || strings.ContainsAny(secret, " \t\r\n") {
		v.Add(FieldAppSecret, "chat.err_app_secret")
	}
	if !tokenPattern.MatchString(s.Get(FieldToken)) {
		v.Add(FieldToken, "chat.err_token")
	}
	if !aesKeyPattern.MatchString(s.Get(FieldAESKey)) {
		v.Add(FieldAESKey, "chat.err_aes_key")
	}
	if id := s.Get(FieldTemplateID); id != "" && !templatePattern.MatchString(id) {
		v.Add(FieldTemplateID, "chat.err_template_id")
	}
}

// NewAESKey makes an EncodingAESKey as WeChat's console does: 43 random
// letters and digits (the console takes no other characters), which read
// as base64 give the 32-byte AES key.
func NewAESKey() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, 43)
	buf := make([]byte, 64)
	for len(out) < 43 {
		_, _ = rand.Read(buf)
		for _, c := range buf {
			// 248 is the largest multiple of 62 below 256: taking only
			// bytes under it keeps every character equally likely.
			if c < 248 && len(out) < 43 {
				out = append(out, alphabet[c%62])
			}
		}
	}
	return string(out)
}
