package org_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

func TestCreateUserAndAuthenticate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		s := apptest.Start(t, dbURL).Orgs
		const pw = "a good long password"

		u, err := s.CreateUser(ctx, org.NewUser{Email: " Mei@Example.ORG", Name: "  Mei  ", Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "mei@example.org" || u.Name != "Mei" || u.IsAdmin || u.PasswordHash == "" || strings.Contains(u.PasswordHash, pw) {
			t.Fatalf("created %+v", u)
		}

		// Validation: one message key per field.
		bad := []struct {
			in   org.NewUser
			want map[string]string
		}{
			{org.NewUser{Email: "MEI@example.org", Password: pw}, map[string]string{"email": "err.email_taken"}},
			{org.NewUser{Email: "nope", Password: "short"}, map[string]string{"email": "err.email_invalid", "password": "err.password_short"}},
			{org.NewUser{Email: "x@example.org", Password: strings.Repeat("p", 1025)}, map[string]string{"password": "err.password_long"}},
			{org.NewUser{Email: "y@example.org", Password: pw, Name: strings.Repeat("名", 101)}, map[string]string{"name": "err.too_long"}},
			// Ten characters, counted as characters rather than bytes.
			{org.NewUser{Email: "z@example.org", Password: "密码密码密码密码密"}, map[string]string{"password": "err.password_short"}},
		}
		for _, tt := range bad {
			_, err := s.CreateUser(ctx, tt.in)
			v, ok := models.AsValidation(err)
			if !ok {
				t.Errorf("CreateUser(%q): err %v; want a validation error", tt.in.Email, err)
				continue
			}
			if len(v.Fields) != len(tt.want) {
				t.Errorf("CreateUser(%q): fields %v; want %v", tt.in.Email, v.Fields, tt.want)
			}
			for f, k := range tt.want {
				if v.Fields[f] != k {
					t.Errorf("CreateUser(%q): field %s = %q; want %q", tt.in.Email, f, v.Fields[f], k)
				}
			}
		}
		if _, err := s.CreateUser(ctx, org.NewUser{Email: "zh@example.org", Password: "密码密码密码密码密码"}); err != nil {
			t.Errorf("a ten-character Chinese password was refused: %v", err)
		}

		// Authenticate: the right password works in any case of the address;
		// a wrong password and an unknown address are the same ErrNotFound.
		got, err := s.Authenticate(ctx, "MEI@example.org ", pw)
		if err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate with the right password: %+v, %v", got, err)
		}
		if got.LastLoginAt == nil {
			t.Error("Authenticate did not record the sign-in time")
		}
		again, err := s.UserByID(ctx, u.ID)
		if err != nil || again.LastLoginAt == nil {
			t.Errorf("the sign-in time is not stored: %+v, %v", again, err)
		}
		for _, c := range []struct{ name, email, password string }{
			{"wrong password", "mei@example.org", "not the password"},
			{"password in another case", "mei@example.org", strings.ToUpper(pw)},
			{"empty password", "mei@example.org", ""},
			{"unknown user", "nobody@example.org", pw},
			{"invalid address", "not an address", pw},
			{"empty address", "", ""},
		} {
			u, err := s.Authenticate(ctx, c.email, c.password)
			if !errors.Is(err, models.ErrNotFound) || u != nil {
				t.Errorf("%s: Authenticate = %+v, %v; want nil, ErrNotFound", c.name, u, err)
			}
		}

		// SetPassword replaces the old password.
		if err := s.SetPassword(ctx, u.ID, "short"); err == nil {
			t.Error("SetPassword accepted a short password")
		}
		if err := s.SetPassword(ctx, u.ID, "another long password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, u.Email, pw); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the old password still works: %v", err)
		}
		if _, err := s.Authenticate(ctx, u.Email, "another long password"); err != nil {
			t.Errorf("the new password does not work: %v", err)
		}

		// Lookups of unknown users are ErrNotFound.
		if _, err := s.UserByID(ctx, 999999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UserByID(unknown): %v", err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UserByEmail(unknown): %v", err)
		}
		if n, err := s.CountAdmins(ctx); err != nil || n != 0 {
			t.Errorf("CountAdmins = %d, %v; want 0", n, err)
		}
		if _, err := s.CreateUser(ctx, org.NewUser{Email: "root@example.org", Password: pw, IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountAdmins(ctx); err != nil || n != 1 {
			t.Errorf("CountAdmins = %d, %v; want 1", n, err)
		}
	})
}
