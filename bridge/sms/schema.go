// Package sms is the SMS channel: notices sent as text messages through a
// provider's HTTP API of the widely copied REST shape (POST
// {base}/Accounts/{sid}/Messages.json, HTTP basic auth, JSON answers with
// a message SID), its base URL set per account so any provider offering
// that shape works, and the provider's signed status callbacks. The parts
// that need no network or database (fitting a text, E.164 numbers, the
// signature) are the top-level sms package's.
package sms

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/router"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	smscore "github.com/plazahq/plaza/sms"
)

// ChannelName is the channel's name on followers.
const ChannelName = models.ChannelSMS

// DefaultBase is the REST shape's reference provider.
const DefaultBase = "https://api.twilio.com/2010-04-01"

// The settings' field names, as the form posts them and the database
// keeps them.
const (
	FieldBase   = "base_url"
	FieldSID    = "account_sid"
	FieldToken  = "auth_token"
	FieldFrom   = "from"
	FieldRegion = "region"
	FieldRate   = "rate"
	// FieldKeyword is the account's own follow word: texting it follows
	// the account, as START does.
	FieldKeyword = "keyword"
)

// SettingsSchema is the account's provider account: the auth token is
// write-only and sealed.
var SettingsSchema = bridge.Schema{
	Title: "channel.sms", Hint: "chat.sms_hint",
	Fields: []bridge.Field{
		{Name: FieldBase, Label: "chat.sms_base_url", Hint: "chat.sms_base_url_hint", Kind: channel.Text, Max: 200, Placeholder: DefaultBase},
		{Name: FieldSID, Label: "chat.sms_account_sid", Kind: channel.Text, Required: true, Max: 64, Placeholder: "AC0123456789abcdef0123456789abcdef"},
		{Name: FieldToken, Label: "chat.sms_auth_token", Hint: "chat.secret_keep", Kind: channel.Text, Required: true, Secret: true, WriteOnly: true, Max: 128},
		{Name: FieldFrom, Label: "chat.sms_from", Hint: "chat.sms_from_hint", Kind: channel.Text, Required: true, Max: 40, Placeholder: "+85221234567"},
		{Name: FieldRegion, Label: "chat.sms_region", Hint: "chat.sms_region_hint", Kind: channel.Text, Max: 2, Placeholder: "HK"},
		{Name: FieldRate, Label: "chat.sms_rate", Hint: "chat.sms_rate_hint", Kind: channel.Text, Max: 6, Placeholder: "1"},
		{Name: FieldKeyword, Label: "chat.sms_keyword", Hint: "chat.sms_keyword_hint", Kind: channel.Text, Max: 80, Placeholder: "METRO"},
	},
	Validate: validate,
}

// Schema describes the settings on the chat page.
func (c *Channel) Schema() bridge.Schema { return SettingsSchema }

var (
	sidPattern    = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)
	tokenPattern  = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)
	regionPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

func validate(s *bridge.Settings, v *models.ValidationError) {
	base := strings.TrimRight(strings.TrimSpace(s.Get(FieldBase)), "/")
	if base == "" {
		base = DefaultBase
	}
	s.Set(FieldBase, base)
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		v.Add(FieldBase, "chat.err_sms_base_url")
	}
	if !sidPattern.MatchString(s.Get(FieldSID)) {
		v.Add(FieldSID, "chat.err_sms_account_sid")
	}
	if !tokenPattern.MatchString(s.Get(FieldToken)) {
		v.Add(FieldToken, "chat.err_sms_auth_token")
	}
	region := strings.ToUpper(strings.TrimSpace(s.Get(FieldRegion)))
	if region == "" {
		delete(s.Values, FieldRegion)
	} else if !regionPattern.MatchString(region) {
		v.Add(FieldRegion, "chat.err_sms_region")
	} else {
		s.Set(FieldRegion, region)
	}
	if from, err := smscore.Normalize(s.Get(FieldFrom), region); err != nil {
		v.Add(FieldFrom, "chat.err_sms_from")
	} else {
		s.Set(FieldFrom, from)
	}
	rate := strings.TrimSpace(s.Get(FieldRate))
	if rate == "" {
		rate = "1"
	}
	if r, err := strconv.ParseFloat(rate, 64); err != nil || r <= 0 || r > 1000 {
		v.Add(FieldRate, "chat.err_sms_rate")
	} else {
		s.Set(FieldRate, rate)
	}
	switch kw := strings.TrimSpace(s.Get(FieldKeyword)); {
	case kw == "":
		delete(s.Values, FieldKeyword)
	case !keywordShape(kw):
		v.Add(FieldKeyword, "chat.err_sms_keyword")
	case router.Reserved(kw):
		v.Add(FieldKeyword, "chat.err_sms_keyword_reserved")
	default:
		s.Set(FieldKeyword, kw)
	}
}

// maxKeyword bounds a follow word: a word people text, not a sentence.
const maxKeyword = 20

// keywordShape reports whether kw is one word of letters and digits, in
// any script (METRO, 地铁, B12), of at most maxKeyword characters.
func keywordShape(kw string) bool {
	n := 0
	for _, r := range kw {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			return false
		}
		n++
	}
	return n >= 1 && n <= maxKeyword
}
