package i18n

// sessionMessages holds sign-in limits, invites bound to an address and form protection.
var sessionMessages = map[string][2]string{
	"login.locked": {"Too many failed sign-ins for this address from your network. For your safety, wait %d min before trying again; each further failure makes the wait longer, up to 15 minutes.",
		"此地址从您所在网络登录失败次数过多。为了账号安全，请等待 %d 分钟后再试；之后每次失败等待时间都会加长，最长 15 分钟。"},
	"login.too_many_client": {"Too many failed sign-ins from your network. For your safety, wait %d min before trying again.",
		"您所在网络登录失败次数过多。为了账号安全，请等待 %d 分钟后再试。"},
	"login.too_many_address": {"Too many failed sign-ins for this address from many places in the last hour, so signing in to it is paused. Try again in %d min, or ask an owner of your organization for help.",
		"过去一小时内此地址从多处登录失败次数过多，已暂停登录。请 %d 分钟后再试，或联系所在机构的所有者。"},
	"invite.other_address_title": {"This invitation is for someone else", "此邀请是发给其他人的"},
	"invite.other_address": {"This invitation is for %s, but you are signed in as %s, so it was not accepted.",
		"此邀请是发给 %s 的，而你当前以 %s 身份登录，因此未接受邀请。"},
	"invite.other_address_next": {"If the invitation is yours, sign out and open the link again. If not, ask the person who invited you to send one to your own address.",
		"如果这是你的邀请，请退出登录后再次打开链接；如果不是，请联系邀请人向你本人的地址发送邀请。"},
}
