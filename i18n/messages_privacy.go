package i18n

// privacyMessages holds personal data by role, exports and erasure.
var privacyMessages = map[string][2]string{
	"audit.feedback_export":           {"Downloaded the answers of", "下载了答复"},
	"privacy.contacts_masked":         {"Contact details are shortened: only owners and moderators see them in full.", "联系方式已部分隐藏：只有所有者和审核员能看到完整内容。"},
	"privacy.search_name_placeholder": {"Name", "姓名"},
	"privacy.feedback_search":         {"Search comments and names", "搜索留言及姓名"},
	"privacy.secret_withheld":         {"Set. Only owners see it: it lets whoever holds it send messages in this account's name.", "已设置。只有所有者能查看：持有者可以以本账号的名义发送消息。"},
	"privacy.secret_keep":             {"Leave it empty to keep the current one.", "留空则保留当前值。"},
	"privacy.webhook_secret_withheld": {"A signing secret is set. Only owners see it and can replace it: whoever holds it can sign messages as Plaza.", "已设置签名密钥。只有所有者能查看和更换：持有者可以以 Plaza 的名义签名消息。"},
}
