package telegram

import (
	"regexp"
	"strings"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// The settings' field names, as the form posts them and the database
// keeps them.
const (
	FieldBotToken    = "bot_token"
	FieldSecretToken = "secret_token"
	FieldBotName     = "bot_name"
)

// SettingsSchema is the account's bot: its token is write-only; the secret token
// Telegram sends back with every update is generated and kept through
// the form.
var SettingsSchema = bridge.Schema{
	Title: "channel.telegram", Hint: "chat.telegram_hint",
	Fields: []bridge.Field{
		{Name: FieldBotToken, Label: "chat.bot_token", Hint: "chat.secret_keep", Kind: channel.Text, Required: true, Secret: true, WriteOnly: true, Max: 100},
		{Name: FieldBotName, Label: "chat.bot_name", Kind: channel.Text, Max: 64, Placeholder: "MetroBot"},
		{Name: FieldSecretToken, Label: "chat.secret_token", Kind: channel.Hidden, Secret: true, Fact: true},
	},
	Validate: validate,
}

// Schema describes the settings on the chat page.
func (c *Channel) Schema() bridge.Schema { return SettingsSchema }

// Facts adds the follow link a bot name gives.
func (c *Channel) Facts(s *bridge.Settings) []bridge.Fact {
	if name := s.Get(FieldBotName); name != "" {
		return []bridge.Fact{{Label: "chat.follow_link", Value: "https://t.me/" + name + "?start=<scene>"}}
	}
	return nil
}

// Learn keeps the bot's username that getMe gave (TestConnection's
// "@name") when staff left the bot's name empty: the follow page and the
// poster need it for the t.me link.
func (c *Channel) Learn(s *bridge.Settings, who string) bool {
	name := strings.TrimPrefix(who, "@")
	if s.Get(FieldBotName) != "" || !botNamePattern.MatchString(name) {
		return false
	}
	s.Set(FieldBotName, name)
	return true
}

var (
	tokenPattern   = regexp.MustCompile(`^[0-9]{3,15}:[0-9A-Za-z_-]{20,80}$`)
	secretPattern  = regexp.MustCompile(`^[0-9A-Za-z_-]{1,256}$`)
	botNamePattern = regexp.MustCompile(`^[0-9A-Za-z_]{1,64}$`)
)

func validate(s *bridge.Settings, v *models.ValidationError) {
	if s.Get(FieldSecretToken) == "" {
		s.Set(FieldSecretToken, bridge.RandomHex(24))
	}
	if name := strings.TrimPrefix(s.Get(FieldBotName), "@"); name != "" {
		s.Set(FieldBotName, name)
	} else {
		delete(s.Values, FieldBotName)
	}
	if !tokenPattern.MatchString(s.Get(FieldBotToken)) {
		v.Add(FieldBotToken, "chat.err_bot_token")
	}
	if !secretPattern.MatchString(s.Get(FieldSecretToken)) {
		v.Add(FieldSecretToken, "chat.err_token")
	}
	if name := s.Get(FieldBotName); name != "" && !botNamePattern.MatchString(name) {
		v.Add(FieldBotName, "chat.err_bot_name")
	}
}
