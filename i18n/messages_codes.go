package i18n

// codeMessages holds the strings of follow QR codes in the studio.
var codeMessages = map[string][2]string{}
