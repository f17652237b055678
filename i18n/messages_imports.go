package i18n

// importMessages holds the strings of importing followers from CSV.
var importMessages = map[string][2]string{}
