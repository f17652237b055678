package i18n

// platformMessages holds short, translated reasons for platform and chat errors shown to staff.
var platformMessages = map[string][2]string{
	// Chat channels (issue 16 item 11): what staff see when a platform
	// call fails, with the next step; the details go to the log, redacted.
	"platform.failed":                  {"The request could not be completed. Try again in a few minutes; if it keeps failing, ask your Plaza operator to check the log.", "请求未能完成。请几分钟后重试；如仍失败，请联系 Plaza 运维人员查看日志。"},
	"platform.wechat_not_configured":   {"WeChat is not set up for this account: enter its AppID and AppSecret under Chat channels and turn it on.", "此公众号尚未设置微信：请在“聊天渠道”中填写 AppID 和 AppSecret 并启用。"},
	"platform.wechat_credentials":      {"WeChat refused the AppID or AppSecret: check them under Chat channels → Test connection.", "微信拒绝了 AppID 或 AppSecret：请在“聊天渠道 → 测试连接”中检查。"},
	"platform.wechat_ip":               {"WeChat refused this server's IP address: add it to the IP whitelist in WeChat's console, then use Chat channels → Test connection.", "微信拒绝了本服务器的 IP 地址：请在微信公众平台的 IP 白名单中加入该地址，然后在“聊天渠道 → 测试连接”中检查。"},
	"platform.wechat_not_following":    {"This person no longer follows the account on WeChat.", "此用户已不再关注本公众号。"},
	"platform.wechat_busy":             {"WeChat is busy or limiting messages from this account: try again in a few minutes.", "微信繁忙或正在限制本公众号的消息：请几分钟后重试。"},
	"platform.wechat_unreachable":      {"WeChat could not be reached or gave no valid answer: try again in a few minutes; if it keeps failing, check Chat channels → Test connection.", "无法连接微信或微信未给出有效应答：请几分钟后重试；如仍失败，请在“聊天渠道 → 测试连接”中检查。"},
	"platform.wechat_refused":          {"WeChat refused the request: check Chat channels → Test connection.", "微信拒绝了请求：请在“聊天渠道 → 测试连接”中检查。"},
	"platform.telegram_not_configured": {"Telegram is not set up for this account: enter the bot token under Chat channels and turn it on.", "此公众号尚未设置 Telegram：请在“聊天渠道”中填写机器人令牌并启用。"},
	"platform.telegram_token":          {"Telegram refused the bot token: check it under Chat channels → Test connection.", "Telegram 拒绝了机器人令牌：请在“聊天渠道 → 测试连接”中检查。"},
	"platform.telegram_blocked":        {"This person blocked the bot on Telegram, or the chat no longer exists.", "此用户已在 Telegram 屏蔽机器人，或该会话已不存在。"},
	"platform.telegram_busy":           {"Telegram is limiting messages from this bot: try again in a minute.", "Telegram 正在限制此机器人的消息：请一分钟后重试。"},
	"platform.telegram_unreachable":    {"Telegram could not be reached or gave no valid answer: try again in a few minutes; if it keeps failing, check Chat channels → Test connection.", "无法连接 Telegram 或其未给出有效应答：请几分钟后重试；如仍失败，请在“聊天渠道 → 测试连接”中检查。"},
	"platform.telegram_refused":        {"Telegram refused the request: check Chat channels → Test connection.", "Telegram 拒绝了请求：请在“聊天渠道 → 测试连接”中检查。"},
	"platform.webhook_not_configured":  {"No webhook is set up for this account: set its URL under Delivery.", "此公众号尚未设置 Webhook：请在“投递”中设置其地址。"},
	"platform.webhook_unreachable":     {"The webhook receiver could not be reached (%s): check the webhook URL under Delivery and that the receiver is running.", "无法连接 Webhook 接收方（%s）：请检查“投递”中的 Webhook 地址，并确认接收方正在运行。"},
	"platform.webhook_refused":         {"The webhook receiver answered %s: check the receiver's log and the webhook settings under Delivery.", "Webhook 接收方返回 %s：请查看接收方日志及“投递”中的 Webhook 设置。"},

	// API input (issue 16 item 10).
	"err.nul_character": {"Contains a NUL character (\\u0000), which text cannot hold; remove it.", "包含 NUL 字符（\\u0000），文本中不能有此字符，请删除。"},
}
