package models

// Projects as citizens see them.

// PublicProject is a project with its account, as citizens see it.
type PublicProject struct {
	Project
	Handle         string
	AccountName    string
	AccountLang    string
	AccountTexts   Translations
	FeedbackReview bool
}

// LocalAccountName is the account's name for a reader of lang.
func (p *PublicProject) LocalAccountName(lang string) string {
	if l := p.AccountTexts.Pick(lang, p.AccountLang, "name"); p.AccountTexts.Has(l, "name") {
		return p.AccountTexts.Get(l, "name")
	}
	return p.AccountName
}
