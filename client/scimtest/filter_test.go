package scimtest

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// filterTenant holds a few hand-made users so expectations are exact.
func filterTenant(t *testing.T) *TestServer {
	ts := newTS(t, Config{Roles: 2, Orgs: 2})
	g := ts.Groups()
	add := func(u client.User, groups ...string) {
		for _, id := range groups {
			u.Groups = append(u.Groups, client.GroupRef{Value: id})
		}
		ts.AddUser(u)
	}
	add(client.User{
		UserName: "google.user@example.com", Name: client.Name{GivenName: "Google", FamilyName: "User"},
		UserType: "Internal", Active: true, ExternalID: "ext-1",
		Emails:     []client.MultiValue{{Value: "google.user@example.com", Type: "work", Primary: true}, {Value: "g.home@mail.test", Type: "home"}},
		Enterprise: &client.EnterpriseUser{Department: "Legal"},
		Meta:       client.Meta{Created: "2020-01-01T00:00:00.000+00:00", LastModified: "2021-06-01T00:00:00.000+00:00"},
	}, g[0].ID)
	add(client.User{
		UserName: "google.user3@example.com", Name: client.Name{GivenName: "Google", FamilyName: "User3"},
		UserType: "External", Active: false,
		Emails: []client.MultiValue{{Value: "google.user3@example.com", Type: "work", Primary: true}},
		Meta:   client.Meta{Created: "2022-01-01T00:00:00.000+00:00", LastModified: "2023-06-01T00:00:00.000+00:00"},
	}, g[0].ID, g[1].ID)
	add(client.User{
		UserName: "chloe.muller@acme.de", Name: client.Name{GivenName: "Chloé", FamilyName: "Müller"},
		UserType: "Internal", Active: true, ExternalID: "ext-3",
		Emails: []client.MultiValue{{Value: "chloe.muller@acme.de", Type: "work", Primary: true}},
		Meta:   client.Meta{Created: "2024-01-01T00:00:00.000+00:00", LastModified: "2024-06-01T00:00:00.000+00:00"},
	})
	add(client.User{
		UserName: "sean.obrien@acme.com", Name: client.Name{GivenName: "Seán", FamilyName: "O'Brien"},
		UserType: "Internal", Active: true, Title: "Counsel",
		Emails: []client.MultiValue{{Value: "sean.o'brien@acme.com", Type: "work", Primary: true}},
		Meta:   client.Meta{Created: "2024-02-01T00:00:00.000+00:00", LastModified: "2024-07-01T00:00:00.000+00:00"},
	}, g[3].ID)
	return ts
}

func filterNames(t *testing.T, ts *TestServer, f string) []string {
	t.Helper()
	r := do(t, ts, "GET", "/Users?count=100&filter="+url.QueryEscape(f), nil)
	expectStatus(t, r, 200)
	page := decode[userList](t, r)
	if page.TotalResults != len(page.Resources) {
		t.Fatalf("%s: total %d, items %d", f, page.TotalResults, len(page.Resources))
	}
	var out []string
	for _, u := range page.Resources {
		out = append(out, strings.Split(u.UserName, "@")[0])
	}
	slices.Sort(out)
	return out
}

func TestFilters(t *testing.T) {
	ts := filterTenant(t)
	g := ts.Groups()
	const (
		gu  = "google.user"
		gu3 = "google.user3"
		cm  = "chloe.muller"
		so  = "sean.obrien"
	)
	all := []string{cm, gu, gu3, so}
	cases := []struct {
		filter string
		want   []string
	}{
		// The documents' example.
		{`givenName sw "Google" and familyName sw "User"`, []string{gu, gu3}},
		{`userName eq "google.user@example.com"`, []string{gu}},
		{`USERNAME EQ "GOOGLE.USER@EXAMPLE.COM"`, []string{gu}},
		{`userName ne "google.user@example.com"`, []string{cm, gu3, so}},
		{`userName co "user"`, []string{gu, gu3}},
		{`userName ew "@acme.de"`, []string{cm}},
		{`userName gt "google.user@example.com"`, []string{so}}, // "3" sorts before "@"
		{`userName ge "google.user@example.com"`, []string{gu, so}},
		{`userName lt "google.user@example.com"`, []string{cm, gu3}},
		{`userName lt "google"`, []string{cm}},
		{`userName le "chloe.muller@acme.de"`, []string{cm}},
		{`title pr`, []string{so}},
		{`externalId pr`, []string{cm, gu}},
		{`externalId eq "ext-3"`, []string{cm}},
		{`externalId eq null`, []string{gu3, so}},
		{`externalId ne null`, []string{cm, gu}},
		{`not (externalId pr)`, []string{gu3, so}},
		{`name.givenName eq "chloé"`, []string{cm}},
		{`givenName eq "CHLOÉ"`, []string{cm}},
		{`familyName eq "o'brien"`, []string{so}},
		{`name.familyName eq "O'Brien"`, []string{so}},
		{`familyName eq "Müller"`, []string{cm}},
		{`active eq true`, []string{cm, gu, so}},
		{`active eq false`, []string{gu3}},
		{`active ne true`, []string{gu3}},
		{`active eq "false"`, []string{gu3}},
		{`active pr`, all},
		{`userType eq "External"`, []string{gu3}},
		{`usertype eq "internal" and active eq true`, []string{cm, gu, so}},
		{`emails eq "g.home@mail.test"`, []string{gu}},
		{`email eq "G.HOME@mail.test"`, []string{gu}},
		{`emails.value co "o'brien"`, []string{so}},
		{`emails[type eq "home"]`, []string{gu}},
		{`emails[type eq "work" and value ew "acme.de"]`, []string{cm}},
		{`emails.type eq "home"`, []string{gu}},
		{`id pr`, all},
		{`userName sw "google" or userName sw "chloe"`, []string{cm, gu, gu3}},
		{`userName sw "sean" or userName sw "chloe" and active eq false`, []string{so}},
		{`(userName sw "sean" or userName sw "chloe") and active eq true`, []string{cm, so}},
		{`not (userName sw "google")`, []string{cm, so}},
		{`meta.lastModified gt "2024-01-01T00:00:00Z"`, []string{cm, so}},
		{`meta.created lt "2021-01-01T00:00:00Z"`, []string{gu}},
		{`meta.created ge "2024-02-01T00:00:00+00:00"`, []string{so}},
		{`meta.lastModified le "2021-06-01T00:00:00Z"`, []string{gu}},
		{`groups eq "` + g[0].ID + `"`, []string{gu, gu3}},
		{`groups[value eq "` + g[1].ID + `"]`, []string{gu3}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "legal"`, []string{gu}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "sean"`, []string{so}},
		{`userName eq "nobody"`, nil},
	}
	for _, c := range cases {
		if got := filterNames(t, ts, c.filter); !slices.Equal(got, c.want) {
			t.Errorf("%s\n got %v\nwant %v", c.filter, got, c.want)
		}
	}
	// id eq finds the user.
	u, _ := ts.UserByName("chloe.muller@acme.de")
	if got := filterNames(t, ts, `id eq "`+strings.ToUpper(u.ID)+`"`); !slices.Equal(got, []string{cm}) {
		t.Errorf("id eq: %v", got)
	}
	// Paging applies to the filtered list.
	page := decode[userList](t, do(t, ts, "GET", "/Users?startIndex=2&count=1&filter="+url.QueryEscape(`userName sw "google"`), nil))
	if page.TotalResults != 2 || len(page.Resources) != 1 || page.Resources[0].UserName != "google.user3@example.com" {
		t.Errorf("filtered paging: %+v", page)
	}
}

func TestInvalidFilters(t *testing.T) {
	ts := filterTenant(t)
	cases := []struct{ filter, detail string }{
		{`userName eq`, "cannot parse"},
		{`userName eq 'x'`, "double quotes"},
		{`foo`, "cannot parse"},
		{`userName eq "x" and`, "cannot parse"},
		{`password eq "x"`, "not filterable"},
		{`name.honorificPrefix eq "x"`, "not filterable"},
		{`urn:example:ext:foo eq "x"`, "not filterable"},
		{`active gt true`, "boolean"},
		{`active co "t"`, "boolean"},
		{`active eq 1`, "boolean"},
		{`userName eq 5`, "double quotes"},
		{`userName eq true`, "double quotes"},
		{`meta.created gt "yesterday"`, "timestamp"},
		{`meta.created co "2020"`, "timestamp"},
		{`userName gt null`, "null"},
		{`phoneNumbers[type eq "work"]`, "emails and groups"},
		{`emails[foo eq "x"]`, "not filterable"},
	}
	for _, c := range cases {
		r := do(t, ts, "GET", "/Users?filter="+url.QueryEscape(c.filter), nil)
		if r.status != 400 {
			t.Errorf("%s: status %d", c.filter, r.status)
			continue
		}
		e := expectSCIMError(t, r, 400, "invalidFilter")
		if !strings.Contains(e.Detail, c.detail) {
			t.Errorf("%s: detail %q lacks %q", c.filter, e.Detail, c.detail)
		}
	}
}
