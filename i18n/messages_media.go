package i18n

// mediaMessages holds the studio's and public pages' files (media access).
var mediaMessages = map[string][2]string{}
