package models

// FeedbackFilter narrows the moderation queue.
type FeedbackFilter struct {
	Status   string
	Stance   string
	District string
	Query    string
	// Reported keeps only comments citizens reported.
	Reported bool
}

// ExportRow is one answer as exported, with its extra answers in the
// order of the project's questions.
type ExportRow struct {
	Feedback
	Extra []string
}
