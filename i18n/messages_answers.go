package i18n

// answerMessages holds consultation answer revisions and their confirmation.
var answerMessages = map[string][2]string{
	// The thank-you page, the same for everyone.
	"answers.thanks_again": {"If you had already answered with the same e-mail address, we have sent you a link: your new answer replaces the earlier one only once you follow it.",
		"如果您之前已用同一电子邮件地址提交过意见，我们已向该地址发送确认链接：点击链接后，新的意见才会取代之前的版本。"},

	// The confirmation message and page.
	"answers.mail_subject": {"Confirm the change to your answer on “%s”", "请确认修改您对“%s”的意见"},
	"answers.mail_body": {"Hello,\n\nSomeone, we hope you, used this e-mail address to send %[1]s a new answer on “%[2]s” (%[3]s). You had answered with this address before.\n\nYour earlier answer stands until you confirm the change here (the link works for 7 days; the page shows both answers):\n%[4]s\n\nIf it was not you, ignore this message: nothing changes.\n\nThe project: %[5]s",
		"您好：\n\n有人（希望是您本人）用这个电子邮件地址就 %[1]s 的“%[2]s”咨询提交了新的意见（%[3]s）。您之前已用此地址提交过意见。\n\n在您确认之前，原来的意见保持不变。如需修改，请点击以下链接确认（7 天内有效，页面会列出两份意见）：\n%[4]s\n\n如果不是您本人，请忽略本邮件，什么都不会改变。\n\n项目页面：%[5]s"},
	"answers.link_expired": {"This link has expired (it works for 7 days). Your earlier answer stands; answer again to get a new link.",
		"此链接已过期（有效期 7 天）。您原来的意见保持不变；如需修改，请重新提交以获取新链接。"},
	"answers.link_used": {"This link no longer applies: the change was confirmed already, or a later answer replaced it.",
		"此链接已失效：修改已经确认过，或已被之后的意见取代。"},
	"answers.closed_title":    {"The consultation has closed", "咨询已结束"},
	"answers.closed":          {"The consultation has closed, so answers can no longer change. Your earlier answer stands.", "咨询已结束，意见无法再修改。您原来的意见保持不变。"},
	"answers.confirm_title":   {"Replace your answer?", "要取代您原来的意见吗？"},
	"answers.confirm_ask":     {"A new answer to “%s” of %s was sent with your contact. Confirm that it is yours and should replace your earlier answer.", "有人用您的联系方式就 %s（%s）提交了新的意见。请确认这是您本人提交的，并用它取代您原来的意见。"},
	"answers.new_answer":      {"New answer, sent %s", "新的意见（%s 提交）"},
	"answers.earlier_answer":  {"Your earlier answer, sent %s", "您原来的意见（%s 提交）"},
	"answers.response_stays":  {"The official response to your earlier answer stays with it; the new answer starts without one.", "官方对原来意见的回复仍保留在原来的意见下；新的意见暂无回复。"},
	"answers.confirm_button":  {"Yes, replace my earlier answer", "是的，取代原来的意见"},
	"answers.not_me":          {"Not you? Close this page: nothing changes.", "不是您本人？关闭此页面即可，什么都不会改变。"},
	"answers.confirmed_title": {"Your answer was changed", "您的意见已修改"},
	"answers.confirmed":       {"Your new answer now replaces the earlier one.", "新的意见已取代原来的版本。"},

	// Moderators.
	"answers.revision_of":            {"Same contact as answer %s — not confirmed", "与意见 %s 联系方式相同——未确认"},
	"answers.revised_by":             {"Changed by the same contact: %s — not confirmed", "同一联系方式提交了修改：%s——未确认"},
	"answers.revises":                {"Revises", "修改自"},
	"answers.revisions":              {"Changes sent with the same contact", "同一联系方式提交的修改"},
	"answers.state_current":          {"current answer", "当前意见"},
	"answers.state_unconfirmed":      {"not confirmed", "未确认"},
	"answers.state_superseded":       {"replaced by a later answer", "已被之后的意见取代"},
	"answers.waits_for_link":         {"waits for the e-mail link", "等待邮件确认"},
	"answers.phone_title":            {"An unconfirmed change", "未确认的修改"},
	"answers.phone_explain":          {"This answer was sent with the same phone number as answer %s. Anyone can type a number, and Plaza cannot confirm one yet, so it is not counted or shown until a moderator accepts it. Accepting makes it the person's answer; the earlier one is kept with its official response but no longer counted.", "这份意见使用了与意见 %s 相同的电话号码。任何人都可以输入电话号码，而 Plaza 目前无法验证，因此在审核员接受之前，它不计入结果，也不公开。接受后，它将成为此人的意见；原来的意见及其官方回复会保留，但不再计入结果。"},
	"answers.accept_button":          {"Accept this change in place of %s", "接受此修改，取代 %s"},
	"answers.email_explain":          {"This change was sent with the same e-mail address as an earlier answer. It counts only once the person follows the link we e-mailed them.", "这份修改使用了与之前意见相同的电子邮件地址。只有在对方点击我们发送的确认链接后，它才会生效。"},
	"answers.err_not_acceptable":     {"This answer is not a change waiting for a moderator (or the earlier answer was replaced meanwhile).", "这份意见不是等待审核员决定的修改（或原来的意见已被取代）。"},
	"answers.accepted":               {"The change was accepted: it is now the person's answer.", "已接受修改：它现在是此人的意见。"},
	"audit.feedback_accept_revision": {"accepted a changed answer", "接受了修改后的意见"},
}
