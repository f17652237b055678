package follower

import (
	"regexp"
	"strings"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/sms"
)

// Input is a follower as staff or an integration give it: the API's
// request to add one (POST /api/v1/accounts/{handle}/followers), which
// embeds it. Validate checks it without a database.
type Input struct {
	Channel  string   `json:"channel" form:"channel"`
	Address  string   `json:"address" form:"address"`
	Name     string   `json:"name" form:"name"`
	Language string   `json:"language" form:"language"`
	Tags     []string `json:"tags" form:"tags"`
}

// Validate cleans in (trimmed address and name, the e-mail address in its
// normal form, English when no language is given, tags normalized without
// duplicates) and checks it: a known channel, an address that channel can
// use, English or Chinese, a name of at most 200 characters, well-formed
// tags. It returns the cleaned input, or a *models.ValidationError naming
// each invalid field.
// languageTagRE is the shape of a BCP 47 language tag (en, zh-Hant).
var languageTagRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func Validate(in Input) (Input, error) {
	var v models.ValidationError
	in.Address, in.Name = strings.TrimSpace(in.Address), strings.TrimSpace(in.Name)
	switch in.Channel {
	case models.ChannelEmail:
		if e, ok := models.NormalizeEmail(in.Address); ok {
			in.Address = e
		} else {
			v.Add("address", "err.email_invalid")
		}
	case models.ChannelSMS:
		// The number is put in E.164 in the account's region by the
		// service (SMSNumber), which knows the region.
		if in.Address == "" || len(in.Address) > 40 {
			v.Add("address", "err.phone_"+sms.ReasonEmpty)
		}
	case models.ChannelWebPush:
		// A browser's subscription is made by the browser, on the follow
		// page, with the person's own permission: no one adds it for them.
		v.Add("channel", "followers.err_webpush_api")
	case models.ChannelWebhook:
		if in.Address == "" || len(in.Address) > 200 || strings.ContainsAny(in.Address, "\r\n\x00") {
			v.Add("address", "err.required")
		}
	default:
		v.Add("channel", "err.choose_one")
	}
	// A tag such as "es" or "zh-Hant"; the service checks that the
	// account publishes in it ("" is the account's default).
	if in.Language == "zh" {
		in.Language = "zh-Hans"
	}
	if in.Language != "" && !languageTagRE.MatchString(in.Language) {
		v.Add("language", "err.choose_one")
	}
	if len([]rune(in.Name)) > 200 {
		v.Add("name", "err.too_long")
	}
	clean, bad := models.NormalizeTags(in.Tags)
	if bad != "" {
		v.Add("tags", "err.tag_format")
	}
	in.Tags = clean
	return in, v.Err()
}
