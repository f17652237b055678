package i18n

// answerMessages holds consultation answer revisions and their confirmation.
var answerMessages = map[string][2]string{}
