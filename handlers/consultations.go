package handlers

import (
	"context"
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/pagecache"
)

// consultations keeps, per instance, the public projects citizens answer
// with their questions, under the content version they were read at
// (pagecache: the projects, their questions and their accounts bump it,
// from any instance), so a crowd answering one consultation costs no
// reads of it. A project read under an older version is read again.
// Whether it is open is worked out at each answer, from its dates.
type consultations struct {
	pages    *pagecache.Cache
	projects *project.Service
	kept     *lru.Cache[string, consultation]
}

type consultation struct {
	version   int64
	project   *models.PublicProject
	questions []models.ProjectQuestion
}

// consultationsKept bounds the projects kept; a few hundred are open at
// once in a large city.
const consultationsKept = 512

func newConsultations(pages *pagecache.Cache, projects *project.Service) *consultations {
	kept, _ := lru.New[string, consultation](consultationsKept) // only a size below 1 fails
	return &consultations{pages: pages, projects: projects, kept: kept}
}

// get is the public project id of the account handle, with its
// questions. Callers must not change what it returns: it is shared.
func (c *consultations) get(ctx context.Context, handle string, id int64) (*models.PublicProject, []models.ProjectQuestion, error) {
	var version int64
	if c.pages != nil {
		v, err := c.pages.Version(ctx)
		if err != nil {
			return nil, nil, err
		}
		version = v
		if k, ok := c.kept.Get(handle + "/" + strconv.FormatInt(id, 10)); ok && k.version == version {
			return k.project, k.questions, nil
		}
	}
	p, err := c.projects.PublicProjectByID(ctx, handle, id)
	if err != nil {
		return nil, nil, err
	}
	qs, err := c.projects.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	if c.pages != nil {
		c.kept.Add(handle+"/"+strconv.FormatInt(id, 10), consultation{version: version, project: p, questions: qs})
	}
	return p, qs, nil
}

// changed tells the page cache that a public page changed here.
func (c *consultations) changed() {
	if c.pages != nil {
		c.pages.Changed()
	}
}
