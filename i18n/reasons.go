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

// reasonPhrases translates each phrase the channels and the engine use.
// A test reads the phrases out of the code, so one added without a
// translation fails.
var reasonPhrases = map[string]string{
	// Any channel, and the engine.
	"failed":                           "失败",
	"temporary failure":                "暂时失败",
	"the notice could not be rendered": "通知无法生成",
	"the channel gave no result for this message": "渠道未返回此消息的结果",
	"follower erased":     "关注者已被删除",
	"broadcast cancelled": "广播已取消",
	// What kept a connection from an answer (outbound).
	"address not allowed":      "地址不允许访问",
	"too many redirects":       "重定向次数过多",
	"timed out":                "超时",
	"cancelled":                "已取消",
	"host not found":           "找不到主机",
	"host name lookup failed":  "主机名解析失败",
	"certificate not accepted": "证书未被接受",
	"could not connect":        "无法连接",
	"no valid HTTP answer":     "没有有效的 HTTP 应答",
	"no valid answer":          "没有有效应答",
	// Webhook.
	"webhook not configured for this account":            "此账号未设置 Webhook",
	"webhook settings could not be read":                 "无法读取 Webhook 设置",
	"the notice could not be encoded":                    "通知无法编码",
	"webhook URL is not valid":                           "Webhook 地址无效",
	"webhook unreachable":                                "无法连接 Webhook",
	"the receiver says the recipient is gone (HTTP 410)": "接收方表示该收件人已不存在（HTTP 410）",
	"webhook busy":                                       "Webhook 繁忙",
	"webhook error":                                      "Webhook 出错",
	"webhook rejected":                                   "Webhook 拒绝",
	// E-mail.
	"invalid e-mail address":         "电子邮件地址无效",
	"the message could not be built": "邮件无法生成",
	"mailbox rejected":               "收件邮箱拒收",
	"mail refused":                   "邮件服务器拒绝",
	"mail server":                    "邮件服务器",
	// Telegram.
	"Telegram is not set up for this account": "此账号未设置 Telegram",
	"Telegram settings could not be read":     "无法读取 Telegram 设置",
	"Telegram unreachable":                    "无法连接 Telegram",
	"the person blocked the bot on Telegram":  "此用户已在 Telegram 屏蔽机器人",
	// WeChat.
	"WeChat is not set up for this account":                                                  "此账号未设置微信",
	"WeChat settings could not be read":                                                      "无法读取微信设置",
	"reply window could not be read":                                                         "无法读取回复时限",
	"WeChat unreachable":                                                                     "无法连接微信",
	"outside WeChat's 48-hour window":                                                        "已超出微信 48 小时回复时限",
	"outside WeChat's 48-hour window and no template message is set up":                      "已超出微信 48 小时回复时限，且未设置模板消息",
	"WeChat's mass-send quota for this month is used up; set a template message for notices": "本月微信群发次数已用完；请为通知设置模板消息",
	"the person no longer follows the account on WeChat":                                     "此用户已不再关注本公众号",
}

// reasonPatterns translate phrases that carry a code or a name.
var reasonPatterns = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^WeChat error (-?\d+)$`), "微信错误 $1"},
	{regexp.MustCompile(`^Telegram error (\d+)$`), "Telegram 错误 $1"},
	{regexp.MustCompile(`^no longer follows \((\w+)\)$`), "已不再关注（$1）"},
	{regexp.MustCompile(`^no (\w+) channel on this Plaza$`), "此 Plaza 没有 $1 渠道"},
	// Kept as they are in every language.
	{regexp.MustCompile(`^(HTTP|SMTP) \d+$`), "$0"},
}

// Reason is a stored delivery failure reason in l.
func Reason(l Lang, reason string) string {
	if l == EN || reason == "" {
		return reason
	}
	parts := strings.Split(reason, ": ")
	for i, p := range parts {
		parts[i] = reasonPhrase(p)
	}
	return strings.Join(parts, "：")
}

func reasonPhrase(p string) string {
	if zh, ok := reasonPhrases[p]; ok {
		return zh
	}
	for _, pat := range reasonPatterns {
		if pat.re.MatchString(p) {
			return pat.re.ReplaceAllString(p, pat.zh)
		}
	}
	return p
}

// KnownReason reports whether every phrase of reason has a translation
// (or is a code kept as it is).
func KnownReason(reason string) bool {
	for _, p := range strings.Split(reason, ": ") {
		if _, ok := reasonPhrases[p]; ok {
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
