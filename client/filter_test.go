package client

import "testing"

func TestFilters(t *testing.T) {
	tests := []struct {
		name string
		got  Filter
		want string
	}{
		{"eq", Eq("userName", "a@b.c"), `userName eq "a@b.c"`},
		{"quote", Sw("givenName", `O"Brien`), `givenName sw "O\"Brien"`},
		{"backslash", Eq("externalId", `dom\user`), `externalId eq "dom\\user"`},
		{"control chars", Co("displayName", "a\nb\x00"), `displayName co "a\nb\u0000"`},
		{"no html escaping", Eq("title", "<R&D>"), `title eq "<R&D>"`},
		{"unicode kept", Eq("familyName", "Müller"), `familyName eq "Müller"`},
		{"ne", Ne("userType", "Internal"), `userType ne "Internal"`},
		{"ew", Ew("emails.value", "@acme.com"), `emails.value ew "@acme.com"`},
		{"gt", Gt("meta.lastModified", "2020-01-01T00:00:00Z"), `meta.lastModified gt "2020-01-01T00:00:00Z"`},
		{"ge", Ge("a", "1"), `a ge "1"`},
		{"lt", Lt("a", "1"), `a lt "1"`},
		{"le", Le("a", "1"), `a le "1"`},
		{"pr", Pr("title"), `title pr`},
		{"bool", EqBool("active", false), `active eq false`},
		{"and", And(Sw("givenName", "Google"), Sw("familyName", "User")), `givenName sw "Google" and familyName sw "User"`},
		{"and skips empty", And("", Eq("a", "1"), ""), `a eq "1"`},
		{"and of nothing", And(), ``},
		{"or", Or(Eq("a", "1"), Eq("b", "2")), `a eq "1" or b eq "2"`},
		{"and wraps or", And(Or(Eq("a", "1"), Eq("b", "2")), Eq("c", "3")), `(a eq "1" or b eq "2") and c eq "3"`},
		{"and leaves quoted or alone", And(Eq("a", "x or y"), Eq("c", "3")), `a eq "x or y" and c eq "3"`},
		{"and leaves escaped quote alone", And(Eq("a", `\" or `), Eq("c", "3")), `a eq "\\\" or " and c eq "3"`},
		{"and leaves nested or alone", And(Filter(`(a eq "1" or b eq "2")`), Eq("c", "3")), `(a eq "1" or b eq "2") and c eq "3"`},
		{"or of ands", Or(And(Eq("a", "1"), Eq("b", "2")), Eq("c", "3")), `a eq "1" and b eq "2" or c eq "3"`},
		{"not", Not(Eq("a", "1")), `not (a eq "1")`},
		{"not empty", Not(""), ``},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := map[string]string{
		``:          `""`,
		`plain`:     `"plain"`,
		`O"Brien`:   `"O\"Brien"`,
		`a\b`:       `"a\\b"`,
		"tab\there": `"tab\there"`,
		"\xff":      `"\ufffd"`,
	}
	for in, want := range tests {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestAttrWithFilterOnStandardServer(t *testing.T) {
	c, err := New(Options{BaseURL: "https://scim.example.com/scim/v2", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	f := And(Sw(c.Attr("givenName"), "Google"), Eq(c.Attr("email"), "g@x.com"))
	if want := `name.givenName sw "Google" and emails.value eq "g@x.com"`; string(f) != want {
		t.Fatalf("got %s, want %s", f, want)
	}
	var nilClient *Client
	if nilClient.Attr("email") != "emails.value" {
		t.Fatal("a nil client maps to standard names")
	}
}
