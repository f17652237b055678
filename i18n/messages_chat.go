package i18n

// chatMessages holds what the chat bridge's router says to people.
var chatMessages = map[string][2]string{
	"chat.welcome":           {"You now follow %s. Send FEEDBACK to answer an open consultation, HELP for what you can send, STOP to stop.", "您已关注%s。发送“反馈”参与公众咨询，发送“帮助”查看可用指令，发送“退订”停止接收。"},
	"chat.already_following": {"You already follow %s. Send HELP for what you can send, STOP to stop.", "您已经关注了%s。发送“帮助”查看可用指令，发送“退订”停止接收。"},
	"chat.stopped":           {"You will get no more messages from %s. Send FOLLOW to follow again.", "您将不再收到%s的消息。发送“关注”可重新关注。"},
	"chat.help":              {"%s: send FOLLOW to follow, STOP to stop, FEEDBACK to answer an open consultation. Anything else goes to our staff, who reply here.", "%s：发送“关注”关注我们，“退订”停止接收，“反馈”参与公众咨询。其他留言会转交工作人员，并在此回复。"},
	"chat.cancelled":         {"Cancelled. Nothing was sent.", "已取消，未提交任何内容。"},
	"chat.to_inbox":          {"Thank you. Your message was passed to the staff of %s.", "谢谢，您的留言已转交%s的工作人员。"},

	"chat.fb_none":           {"%s has no consultation open right now.", "%s目前没有进行中的公众咨询。"},
	"chat.fb_pick":           {"Which consultation? Reply with its number:", "请回复编号，选择要回应的咨询："},
	"chat.fb_cancel_hint":    {"(Send CANCEL to stop.)", "（发送“取消”可随时退出。）"},
	"chat.fb_pick_again":     {"Please reply with a number from 1 to %d, or CANCEL.", "请回复 1 至 %d 之间的编号，或发送“取消”。"},
	"chat.fb_stance":         {"What do you think of “%s”? Reply 1 support, 2 oppose, 3 neutral.", "您对“%s”的看法？请回复：1 支持，2 反对，3 中立。"},
	"chat.fb_stance_again":   {"Please reply 1 (support), 2 (oppose) or 3 (neutral), or CANCEL.", "请回复 1（支持）、2（反对）或 3（中立），或发送“取消”。"},
	"chat.fb_comment":        {"Your comment, up to %d characters (or SKIP):", "请输入您的意见，最多 %d 字（或回复“跳过”）："},
	"chat.fb_comment_long":   {"That is too long: please keep it to %d characters.", "内容太长，请不超过 %d 字。"},
	"chat.fb_one":            {"Reply with one number.", "请回复一个编号。"},
	"chat.fb_several":        {"Reply with one or more numbers, such as 1,3.", "可回复一个或多个编号，如 1,3。"},
	"chat.fb_optional":       {"(Optional: SKIP to leave it out.)", "（可选：回复“跳过”略过。）"},
	"chat.fb_answer_again":   {"Sorry, I did not understand that answer.", "抱歉，无法识别您的回答。"},
	"chat.fb_no_comment":     {"(no comment)", "（无留言）"},
	"chat.fb_confirm":        {"You are about to send: %s on “%s”. Comment: %s\nYour comment may be published on the project page, never with your number or name. Reply YES to send or CANCEL.", "您将提交：对“%[2]s”表示%[1]s。意见：%[3]s\n您的意见可能在项目页面公开，但不会显示您的号码或姓名。回复“确认”提交，或发送“取消”。"},
	"chat.fb_confirm_again":  {"Reply YES to send your answer, or CANCEL.", "回复“确认”提交，或发送“取消”。"},
	"chat.fb_closed":         {"Sorry, this consultation has closed.", "抱歉，本次咨询已经结束。"},
	"chat.fb_changed":        {"The consultation's questions changed meanwhile. Send FEEDBACK to start again.", "咨询问题已更新，请发送“反馈”重新开始。"},
	"chat.fb_too_many":       {"You have sent many answers in the last hour. Please try again later.", "您在过去一小时内提交的回答过多，请稍后再试。"},
	"chat.fb_thanks":         {"Thank you, your answer was received.", "谢谢，已收到您的意见。"},
	"chat.fb_thanks_updated": {"Thank you. You had answered before: this answer replaces the earlier one.", "谢谢。您之前已提交过意见，这次的意见已取代之前的版本。"},
	"chat.fb_thanks_review":  {"Comments are published after a moderator has read them.", "意见经审核后公开。"},
}
