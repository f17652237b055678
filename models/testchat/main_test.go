package testchat_test

import (
	"testing"

	"github.com/plazahq/plaza/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }
