package i18n

// privacyMessages holds personal data by role, exports and erasure.
var privacyMessages = map[string][2]string{}
