package i18n

// followerMessages holds the strings of managing followers in the studio.
var followerMessages = map[string][2]string{}
