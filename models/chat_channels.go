package models

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Chat platforms a follower can be reached on.
const (
	ChannelWeChat   = "wechat"
	ChannelTelegram = "telegram"
)

// ChatSettings is an account's settings for one chat platform. The fields
// that would let someone act as the account (app secret, tokens, keys)
// are stored encrypted; the rest in the clear.
type ChatSettings struct {
	AccountID int64  `json:"-"`
	Channel   string `json:"-"`
	Enabled   bool   `json:"-"`
	// WeChat.
	AppID      string `json:"app_id,omitempty"`
	AppSecret  string `json:"-"`
	Token      string `json:"-"`
	AESKey     string `json:"-"`
	SafeMode   bool   `json:"safe_mode,omitempty"`
	TemplateID string `json:"template_id,omitempty"`
	// Telegram.
	BotToken    string `json:"-"`
	SecretToken string `json:"-"`
	BotName     string `json:"bot_name,omitempty"`
	// SecretsWithheld: the signing secrets (Token, AESKey, SecretToken)
	// are set but left out for a member without PermSecrets.
	SecretsWithheld bool `json:"-"`
}

// chatSecrets is the encrypted part of ChatSettings.
type chatSecrets struct {
	AppSecret   string `json:"app_secret,omitempty"`
	Token       string `json:"token,omitempty"`
	AESKey      string `json:"aes_key,omitempty"`
	BotToken    string `json:"bot_token,omitempty"`
	SecretToken string `json:"secret_token,omitempty"`
}

func validChatChannel(ch string) bool { return ch == ChannelWeChat || ch == ChannelTelegram }

// ChatSettingsOf reads an account's settings for a chat platform, with
// its secrets decrypted: for the bridge, which checks and answers the
// platform's calls. ErrNotFound when none are saved.
func (s *Store) ChatSettingsOf(ctx context.Context, accountID int64, channel string) (*ChatSettings, error) {
	r, err := s.channelRow(ctx, accountID, channel)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Config == "" {
		return nil, ErrNotFound
	}
	out := &ChatSettings{AccountID: accountID, Channel: channel, Enabled: r.Enabled}
	if err := json.Unmarshal([]byte(r.Config), out); err != nil {
		return nil, fmt.Errorf("%s settings of account %d: %w", channel, accountID, err)
	}
	if r.Secret != "" {
		raw, err := s.openSecret(r.Secret)
		if err != nil {
			return nil, err
		}
		var sec chatSecrets
		if err := json.Unmarshal(raw, &sec); err != nil {
			return nil, fmt.Errorf("%s secrets of account %d: %w", channel, accountID, err)
		}
		out.AppSecret, out.Token, out.AESKey, out.BotToken, out.SecretToken = sec.AppSecret, sec.Token, sec.AESKey, sec.BotToken, sec.SecretToken
	}
	return out, nil
}

// ChatSettingsFor reads the settings for the studio page, for staff who
// may change them; a platform never set up reads as empty, disabled
// settings. The write-only credentials (AppSecret, BotToken) are never in
// it, and the signing secrets only for members with PermSecrets: anyone
// holding them could forge the platform's messages.
func (s *Store) ChatSettingsFor(ctx context.Context, m *Member, a *Account, channel string) (*ChatSettings, error) {
	cs, err := s.ChatCredentials(ctx, m, a, channel)
	if err != nil {
		return nil, err
	}
	cs.AppSecret, cs.BotToken = "", ""
	if !m.Can(PermSecrets) && (cs.Token != "" || cs.AESKey != "" || cs.SecretToken != "") {
		cs.Token, cs.AESKey, cs.SecretToken, cs.SecretsWithheld = "", "", "", true
	}
	return cs, nil
}

// ChatCredentials reads the settings with every secret, for staff who may
// change them, to call the platform with (test, connect); never for a
// page.
func (s *Store) ChatCredentials(ctx context.Context, m *Member, a *Account, channel string) (*ChatSettings, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	if !validChatChannel(channel) {
		return nil, ErrNotFound
	}
	cs, err := s.ChatSettingsOf(ctx, a.ID, channel)
	if err == ErrNotFound {
		return &ChatSettings{AccountID: a.ID, Channel: channel}, nil
	}
	return cs, err
}

var (
	wechatAppID    = regexp.MustCompile(`^wx[0-9a-zA-Z]{8,30}$`)
	wechatToken    = regexp.MustCompile(`^[0-9a-zA-Z]{3,32}$`)
	wechatAESKey   = regexp.MustCompile(`^[0-9a-zA-Z]{43}$`)
	telegramToken  = regexp.MustCompile(`^[0-9]{3,15}:[0-9A-Za-z_-]{20,80}$`)
	telegramSecret = regexp.MustCompile(`^[0-9A-Za-z_-]{1,256}$`)
	templateID     = regexp.MustCompile(`^[0-9A-Za-z_-]{1,100}$`)
	botName        = regexp.MustCompile(`^[0-9A-Za-z_]{1,64}$`)
)

// randomString returns n random bytes in the alphabet a platform accepts
// for its shared tokens.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// NewWeChatAESKey makes an EncodingAESKey as WeChat's console does: 43
// random letters and digits (the console takes no other characters),
// which read as base64 give the 32-byte AES key.
func NewWeChatAESKey() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, 43)
	buf := make([]byte, 64)
	for len(out) < 43 {
		_, _ = crand.Read(buf)
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

// SaveChatSettings validates and stores an account's settings for a chat
// platform. A secret left empty keeps the stored one; the shared tokens
// the platform calls Plaza with are generated when missing.
func (s *Store) SaveChatSettings(ctx context.Context, m *Member, a *Account, in ChatSettings) error {
	old, err := s.ChatCredentials(ctx, m, a, in.Channel)
	if err != nil {
		return err
	}
	keep := func(v *string, was string) {
		*v = strings.TrimSpace(*v)
		if *v == "" {
			*v = was
		}
	}
	keep(&in.AppSecret, old.AppSecret)
	keep(&in.Token, old.Token)
	keep(&in.AESKey, old.AESKey)
	keep(&in.BotToken, old.BotToken)
	keep(&in.SecretToken, old.SecretToken)
	in.AppID, in.TemplateID, in.BotName = strings.TrimSpace(in.AppID), strings.TrimSpace(in.TemplateID), strings.TrimPrefix(strings.TrimSpace(in.BotName), "@")
	var v ValidationError
	switch in.Channel {
	case ChannelWeChat:
		if in.Token == "" {
			in.Token = randomString(16)
		}
		if in.AESKey == "" {
			in.AESKey = NewWeChatAESKey()
		}
		if !wechatAppID.MatchString(in.AppID) {
			v.Add("app_id", "chat.err_app_id")
		}
		if in.AppSecret == "" && in.Enabled {
			v.Add("app_secret", "err.required")
		} else if len(in.AppSecret) > 64 || strings.ContainsAny(in.AppSecret, " \t\r\n") {
			v.Add("app_secret", "chat.err_app_secret")
		}
		if !wechatToken.MatchString(in.Token) {
			v.Add("token", "chat.err_token")
		}
		if !wechatAESKey.MatchString(in.AESKey) {
			v.Add("aes_key", "chat.err_aes_key")
		}
		if in.TemplateID != "" && !templateID.MatchString(in.TemplateID) {
			v.Add("template_id", "chat.err_template_id")
		}
		in.BotToken, in.SecretToken, in.BotName = "", "", ""
	case ChannelTelegram:
		if in.SecretToken == "" {
			in.SecretToken = randomString(24)
		}
		if !telegramToken.MatchString(in.BotToken) {
			v.Add("bot_token", "chat.err_bot_token")
		}
		if !telegramSecret.MatchString(in.SecretToken) {
			v.Add("secret_token", "chat.err_token")
		}
		if in.BotName != "" && !botName.MatchString(in.BotName) {
			v.Add("bot_name", "chat.err_bot_name")
		}
		in.AppID, in.AppSecret, in.Token, in.AESKey, in.TemplateID, in.SafeMode = "", "", "", "", "", false
	}
	if err := v.Err(); err != nil {
		return err
	}
	defer s.chat.clear()
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.putChatSettings(ctx, a.ID, in); err != nil {
			return err
		}
		state := "off"
		if in.Enabled {
			state = "on"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "channel.chat", "@"+a.Handle, in.Channel+" "+state)
	})
}

// putChatSettings writes settings as they are (validated by the caller).
func (s *Store) putChatSettings(ctx context.Context, accountID int64, in ChatSettings) error {
	cfg, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s settings: %w", in.Channel, err)
	}
	raw, err := json.Marshal(chatSecrets{AppSecret: in.AppSecret, Token: in.Token, AESKey: in.AESKey, BotToken: in.BotToken, SecretToken: in.SecretToken})
	if err != nil {
		return fmt.Errorf("encode %s secrets: %w", in.Channel, err)
	}
	sealed, err := s.sealSecret(raw)
	if err != nil {
		return err
	}
	err = s.conn(ctx).Exec(`INSERT INTO account_channels (account_id, channel, enabled, config, secret, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, channel)
		DO UPDATE SET enabled = excluded.enabled, config = excluded.config, secret = excluded.secret`,
		accountID, in.Channel, in.Enabled, string(cfg), sealed, s.Now()).Error
	if err != nil {
		return fmt.Errorf("save %s settings: %w", in.Channel, err)
	}
	return nil
}
