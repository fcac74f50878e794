package config

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestSettingsNeverHoldTheToken: resolved settings print (%v, %+v, %#v,
// nested in another struct's unexported field) without the token, and still
// hand it out when asked.
func TestSettingsNeverHoldTheToken(t *testing.T) {
	const tok = "tok-CONFIG-SECRET-55"
	s, err := Resolve(Flags{}, env(map[string]string{EnvToken: tok, EnvURL: "https://acme.onetrust.com/api/scim/v2"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	holder := struct{ settings Settings }{s}
	for _, v := range []any{s, &s, holder} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, tok) || strings.Contains(out, fmt.Sprintf("%x", tok)) {
				t.Errorf("%s of %T shows the token: %s", verb, v, out)
			}
		}
	}
	if got, err := s.Token(context.Background()); err != nil || got != tok || !s.HasToken() || s.TokenSource() != EnvToken {
		t.Fatalf("Token() = %q, %v", got, err)
	}
}
