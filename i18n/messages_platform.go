package i18n

// platformMessages holds short, translated reasons for platform and chat errors shown to staff.
var platformMessages = map[string][2]string{
	"err.nul_character": {"Contains a NUL character (\\u0000), which text cannot hold; remove it.", "包含 NUL 字符（\\u0000），文本中不能有此字符，请删除。"},
}
