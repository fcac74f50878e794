package client

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"
)

var fuzzUserSeeds = []string{
	`{"id":"dd525596-f8bb-45d8-83e5-02bbb3c501a1","externalId":null,"meta":{"created":"2020-09-22T13:57:14.813+00:00","lastModified":null,"location":"https://trial.onetrust.com/api/scim/x","resourceType":"User"},"schemas":["User"],"userName":"a@b.c","name":{"familyName":"User","givenName":"Google"},"userType":"Internal","active":true,"groups":[{"value":"r:o","display":"Auditor - TestUser"}],"emails":[{"value":"a@b.c","primary":true,"type":"work"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"businessUnit":null,"manager":{"value":null,"displayName":null,"$ref":"x"},"jobTitle":null}}`,
	`{"active":null,"emails":null,"groups":null,"name":null}`,
	`{"active":"true"}`,
	`{"schemas":"User"}`,
	`null`,
	`[]`,
	`{"id":1}`,
	``,
}

// FuzzDecodeUser: any body decodes or fails cleanly, never panics, and a
// decoded user re-encodes.
func FuzzDecodeUser(f *testing.F) {
	for _, s := range fuzzUserSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var u User
		if json.Unmarshal(data, &u) != nil {
			return
		}
		_ = u.PrimaryEmail()
		_ = ParseTime(u.Meta.LastModified)
		if _, err := json.Marshal(userBody(&u)); err != nil {
			t.Fatalf("re-encoding a decoded user: %v", err)
		}
	})
}

// FuzzDecodeListResponse: list pages of any shape decode or fail cleanly.
func FuzzDecodeListResponse(f *testing.F) {
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":7,"startIndex":1,"itemsPerPage":2,"Resources":[` + fuzzUserSeeds[0] + `,{"id":"x"}]}`))
	f.Add([]byte(`{"totalResults":-1,"Resources":null}`))
	f.Add([]byte(`{"totalResults":"7","resources":[]}`))
	f.Add([]byte(`{"totalResults":1e400}`))
	f.Add([]byte(`{"Resources":[null,{},1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var lu ListResponse[User]
		if json.Unmarshal(data, &lu) == nil {
			for i := range lu.Resources {
				_ = lu.Resources[i].PrimaryEmail()
			}
		}
		var lg ListResponse[Group]
		_ = json.Unmarshal(data, &lg)
	})
}

// FuzzErrorBody: whatever an error body holds, the message is one line of
// printable text with the token redacted and the excerpt bounded.
func FuzzErrorBody(f *testing.F) {
	f.Add(400, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"bad"}`))
	f.Add(401, []byte(`{"status":401,"detail":"tok-SECRET-123"}`))
	f.Add(500, []byte("<html><body>\x1b[2Jtok-SECRET-123</body></html>"))
	f.Add(429, []byte("\xff\xfe\x00"))
	c, err := New(Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", Token: testToken})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		e := c.newHTTPError("GET", "https://acme.onetrust.com/api/scim/v2/Users", &http.Response{StatusCode: status, Header: http.Header{}}, body)
		msg := e.Error()
		if strings.Contains(msg, testToken) {
			t.Fatalf("token in %q", msg)
		}
		if strings.ContainsFunc(msg, unicode.IsControl) {
			t.Fatalf("control character in %q", msg)
		}
		if len([]rune(e.Body)) > maxExcerpt+1 || len([]rune(e.Detail)) > maxExcerpt+1 {
			t.Fatalf("excerpt too long: %d/%d", len(e.Body), len(e.Detail))
		}
	})
}
