package client

import (
	"fmt"
	"strings"
	"testing"
)

// TestPrintingNeverShowsTheToken: a client or its options printed in any
// form — a debug line, an error wrapped with %v, a panic value — keeps the
// token out.
func TestPrintingNeverShowsTheToken(t *testing.T) {
	opts := Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", Token: testToken}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{opts, &opts, c, []any{c}, struct{ C *Client }{c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, testToken) || strings.Contains(out, fmt.Sprintf("%x", testToken)) {
				t.Errorf("%s of %T shows the token: %s", verb, v, out)
			}
		}
	}
	func() {
		defer func() {
			if r := recover(); strings.Contains(fmt.Sprint(r), testToken) {
				t.Errorf("panic value shows the token")
			}
		}()
		panic(c)
	}()
}
