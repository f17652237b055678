package i18n

// sessionMessages holds sign-in limits, invites bound to an address and form protection.
var sessionMessages = map[string][2]string{}
