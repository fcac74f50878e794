package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/client"
)

// userNamed is a new active user for scimtest.Server.AddUser.
func userNamed(name, email string) client.User {
	given, family, _ := strings.Cut(name, " ")
	return client.User{
		UserName:    email,
		Name:        client.Name{GivenName: given, FamilyName: family},
		DisplayName: name,
		Active:      true,
		Emails:      []client.MultiValue{{Value: email, Primary: true, Type: "work"}},
		UserType:    "Internal",
	}
}

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
