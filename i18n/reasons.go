package i18n

import (
	"regexp"
	"strings"
)

// Delivery failure reasons are stored in English, because the broadcast
// ledger groups failures by their text and the API returns it as is; the
// studio shows them in the reader's language through Reason. A reason is
// one phrase, or phrases joined by ": " ("webhook unreachable: timed
// out"); each is translated on its own, and a phrase that is not known
// (a number, a status) is kept.

// reasonKeys maps each phrase the channels and the engine use to its
// message key. A test reads the phrases out of the code, so one added
// without a translation fails.
var reasonKeys = map[string]string{
	"failed":                           "reason.failed",
	"temporary failure":                "reason.temporary_failure",
	"the notice could not be rendered": "reason.the_notice_could_not_be_rendered",
	"the channel gave no result for this message": "reason.the_channel_gave_no_result_for_this_message",
	"follower erased":                                    "reason.follower_erased",
	"broadcast cancelled":                                "reason.broadcast_cancelled",
	"address not allowed":                                "reason.address_not_allowed",
	"too many redirects":                                 "reason.too_many_redirects",
	"timed out":                                          "reason.timed_out",
	"cancelled":                                          "reason.cancelled",
	"host not found":                                     "reason.host_not_found",
	"host name lookup failed":                            "reason.host_name_lookup_failed",
	"certificate not accepted":                           "reason.certificate_not_accepted",
	"could not connect":                                  "reason.could_not_connect",
	"no valid HTTP answer":                               "reason.no_valid_http_answer",
	"no valid answer":                                    "reason.no_valid_answer",
	"webhook not configured for this account":            "reason.webhook_not_configured_for_this_account",
	"webhook settings could not be read":                 "reason.webhook_settings_could_not_be_read",
	"the notice could not be encoded":                    "reason.the_notice_could_not_be_encoded",
	"webhook URL is not valid":                           "reason.webhook_url_is_not_valid",
	"webhook unreachable":                                "reason.webhook_unreachable",
	"the receiver says the recipient is gone (HTTP 410)": "reason.the_receiver_says_the_recipient_is_gone_http_410",
	"webhook busy":                                       "reason.webhook_busy",
	"webhook error":                                      "reason.webhook_error",
	"webhook rejected":                                   "reason.webhook_rejected",
	"invalid e-mail address":                             "reason.invalid_e_mail_address",
	"the message could not be built":                     "reason.the_message_could_not_be_built",
	"mailbox rejected":                                   "reason.mailbox_rejected",
	"the browser's subscription is not valid":            "reason.the_browser_s_subscription_is_not_valid",
	"the notification could not be built":                "reason.the_notification_could_not_be_built",
	"push service unreachable":                           "reason.push_service_unreachable",
	"the browser's subscription has ended":               "reason.the_browser_s_subscription_has_ended",
	"push service busy":                                  "reason.push_service_busy",
	"push service rejected":                              "reason.push_service_rejected",
	"mail refused":                                       "reason.mail_refused",
	"mail server":                                        "reason.mail_server",
	"Telegram is not set up for this account":            "reason.telegram_is_not_set_up_for_this_account",
	"Telegram settings could not be read":                "reason.telegram_settings_could_not_be_read",
	"Telegram unreachable":                               "reason.telegram_unreachable",
	"the person blocked the bot on Telegram":             "reason.the_person_blocked_the_bot_on_telegram",
	"WeChat is not set up for this account":              "reason.wechat_is_not_set_up_for_this_account",
	"WeChat settings could not be read":                  "reason.wechat_settings_could_not_be_read",
	"reply window could not be read":                     "reason.reply_window_could_not_be_read",
	"WeChat unreachable":                                 "reason.wechat_unreachable",
	"outside WeChat's 48-hour window":                    "reason.outside_wechat_s_48_hour_window",
	"outside WeChat's 48-hour window and no template message is set up":                      "reason.outside_wechat_s_48_hour_window_and_no_template",
	"WeChat's mass-send quota for this month is used up; set a template message for notices": "reason.wechat_s_mass_send_quota_for_this_month_is_used",
	"the person no longer follows the account on WeChat":                                     "reason.the_person_no_longer_follows_the_account_on_wech",
	"SMS is not set up for this account":                                                     "reason.sms_is_not_set_up_for_this_account",
	"SMS settings could not be read":                                                         "reason.sms_settings_could_not_be_read",
	"SMS provider unreachable":                                                               "reason.sms_provider_unreachable",
	"SMS provider error":                                                                     "reason.sms_provider_error",
	"not delivered":                                                                          "reason.not_delivered",
}

// reasonPatterns translate phrases that carry a code or a name: the
// message takes the submatch as its argument.
var reasonPatterns = []struct {
	re  *regexp.Regexp
	key string // "" keeps the phrase as it is in every language
}{
	{regexp.MustCompile(`^WeChat error (-?\d+)$`), "reason.wechat_error"},
	{regexp.MustCompile(`^Telegram error (\d+)$`), "reason.telegram_error"},
	{regexp.MustCompile(`^SMS provider error (\d+)$`), "reason.sms_provider_error_code"},
	{regexp.MustCompile(`^no longer follows \((\w+)\)$`), "reason.no_longer_follows"},
	{regexp.MustCompile(`^no (\w+) channel on this Plaza$`), "reason.no_channel"},
	{regexp.MustCompile(`^(HTTP|SMTP) \d+$`), ""},
}

// Reason is a stored delivery failure reason in l.
func Reason(l Lang, reason string) string {
	if l == EN || reason == "" {
		return reason
	}
	parts := strings.Split(reason, ": ")
	for i, p := range parts {
		parts[i] = reasonPhrase(l, p)
	}
	sep := ": "
	if l.Chinese() {
		sep = "："
	}
	return strings.Join(parts, sep)
}

func reasonPhrase(l Lang, p string) string {
	if key, ok := reasonKeys[p]; ok {
		return T(l, key)
	}
	for _, pat := range reasonPatterns {
		if m := pat.re.FindStringSubmatch(p); m != nil {
			if pat.key == "" {
				return p
			}
			return T(l, pat.key, m[1])
		}
	}
	return p
}

// KnownReason reports whether every phrase of reason has a translation
// (or is a code kept as it is).
func KnownReason(reason string) bool {
	for _, p := range strings.Split(reason, ": ") {
		if _, ok := reasonKeys[p]; ok {
			continue
		}
		matched := false
		for _, pat := range reasonPatterns {
			if pat.re.MatchString(p) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}
