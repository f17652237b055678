package i18n

// platformMessages holds short, translated reasons for platform and chat errors shown to staff.
var platformMessages = map[string][2]string{}
