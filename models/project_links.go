package models

import (
	"context"
	"errors"
)

// Projects is what the code left in package models needs of the
// projects' domain (models/project, which owns the projects' tables): a
// follower's data export labels their answers with the project's
// questions. Package models cannot import models/project, so the service
// is handed in (WithProjects).
type Projects interface {
	ProjectQuestions(ctx context.Context, projectID int64) ([]ProjectQuestion, error)
}

// WithProjects returns a store that reads projects' questions through p.
func (s *Store) WithProjects(p Projects) *Store {
	c := *s
	c.projects = p
	return &c
}

// ProjectQuestions lists a project's extra questions in order, through
// the projects' domain.
func (s *Store) ProjectQuestions(ctx context.Context, projectID int64) ([]ProjectQuestion, error) {
	if s.projects == nil {
		return nil, errors.New("project questions: no projects configured")
	}
	return s.projects.ProjectQuestions(ctx, projectID)
}
