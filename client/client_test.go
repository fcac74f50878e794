package client

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestNewValidatesBaseURL(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "https://acme.onetrust.com/api/scim/v2", want: "https://acme.onetrust.com/api/scim/v2"},
		{in: "https://acme.onetrust.com/api/scim/v2///", want: "https://acme.onetrust.com/api/scim/v2"},
		{in: "  HTTPS://ACME.OneTrust.com/api/scim/v2/ ", want: "https://acme.onetrust.com/api/scim/v2"},
		{in: "http://127.0.0.1:8080/api/scim/v2/", want: "http://127.0.0.1:8080/api/scim/v2"},
		{in: "http://127.9.9.9/x", want: "http://127.9.9.9/x"},
		{in: "http://[::1]:9000/scim", want: "http://[::1]:9000/scim"},
		{in: "http://localhost:9000/scim", want: "http://localhost:9000/scim"},
		{in: "http://acme.onetrust.com/api/scim/v2", wantErr: "clear text"},
		{in: "http://10.0.0.1/api/scim/v2", wantErr: "clear text"},
		{in: "http://localhost.evil.com/api", wantErr: "clear text"},
		{in: "http://LocalHost:9000/scim", want: "http://localhost:9000/scim"},
		{in: "http://evil.localhost:9000/scim", wantErr: "clear text"},
		{in: "http://localhost.:9000/scim", wantErr: "clear text"},
		{in: "http://127.0.0.1.nip.io/scim", wantErr: "clear text"},
		{in: "http://[::ffff:127.0.0.1]:9000/scim", want: "http://[::ffff:127.0.0.1]:9000/scim"},
		{in: "ftp://acme.onetrust.com/", wantErr: "https://"},
		{in: "acme.onetrust.com/api/scim/v2", wantErr: "no host"},
		{in: "", wantErr: "no base URL"},
		{in: "https://user:pw@acme.onetrust.com/api", wantErr: "credentials"},
		{in: "https://acme.onetrust.com/api?x=1", wantErr: "query"},
		{in: "https://acme.onetrust.com:bad/", wantErr: "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := New(Options{BaseURL: tt.in, Token: testToken})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%q) error = %v, want it to mention %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Fatalf("error leaks the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.in, err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Fatalf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewRejectsBadToken(t *testing.T) {
	_, err := New(Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", Token: "tok-SECRET-123\r\nX-Evil: 1"})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("want a refusal that does not echo the token, got %v", err)
	}
	c, err := New(Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", Token: testToken + "\n"})
	if err != nil || c.token != testToken {
		t.Fatalf("a trailing newline should be trimmed: %v %q", err, c.token)
	}
}

func TestDomainURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"acme", "https://acme.onetrust.com/api/scim/v2"},
		{" ACME ", "https://acme.onetrust.com/api/scim/v2"},
		{"acme.onetrust.com", "https://acme.onetrust.com/api/scim/v2"},
		{"acme.my.onetrust.com", "https://acme.my.onetrust.com/api/scim/v2"},
		{"app-au.onetrust.com", "https://app-au.onetrust.com/api/scim/v2"},
		{"https://acme.my.onetrust.com", "https://acme.my.onetrust.com/api/scim/v2"},
		{"https://acme.onetrust.com/api/scim/v2/", "https://acme.onetrust.com/api/scim/v2"},
		{"https://trial.onetrust.com/some/page?x=1", "https://trial.onetrust.com/api/scim/v2"},
		{"acme.onetrust.com/api/scim/v2", "https://acme.onetrust.com/api/scim/v2"},
		{"http://acme.onetrust.com", "https://acme.onetrust.com/api/scim/v2"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api/scim/v2"},
		{"http://evil.localhost:8089", "https://evil.localhost:8089/api/scim/v2"},
		{"scim.example.com:8443", "https://scim.example.com:8443/api/scim/v2"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := DomainURL(tt.in); got != tt.want {
			t.Errorf("DomainURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDialect(t *testing.T) {
	tests := []struct {
		base    string
		dialect Dialect
		attr    string
		want    string
	}{
		{"https://acme.onetrust.com/api/scim/v2", DialectAuto, "givenName", "givenName"},
		{"https://acme.my.onetrust.com/api/scim/v2", DialectAuto, "email", "email"},
		{"https://scim.example.com/v2", DialectAuto, "givenName", "name.givenName"},
		{"https://scim.example.com/v2", DialectAuto, "familyName", "name.familyName"},
		{"https://scim.example.com/v2", DialectAuto, "email", "emails.value"},
		{"https://scim.example.com/v2", DialectAuto, "emails", "emails.value"},
		{"https://scim.example.com/v2", DialectAuto, "userName", "userName"},
		{"https://notonetrust.com/v2", DialectAuto, "givenName", "name.givenName"},
		{"https://scim.example.com/v2", DialectOneTrust, "givenName", "givenName"},
		{"https://acme.onetrust.com/api/scim/v2", DialectStandard, "email", "emails.value"},
	}
	for _, tt := range tests {
		c, err := New(Options{BaseURL: tt.base, Token: testToken, Dialect: tt.dialect})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Attr(tt.attr); got != tt.want {
			t.Errorf("%s dialect %d: Attr(%q) = %q, want %q", tt.base, tt.dialect, tt.attr, got, tt.want)
		}
	}
}

const groupID = "444fd8af-e1ee-4742-b1af-94165a8c28c6:6e051cbf-1e3b-4815-8216-50e2a0518438"

// TestEndpoints asserts the method, path, query, headers and body of every
// endpoint, as the server received them.
func TestEndpoints(t *testing.T) {
	userJSON := `{"id":"u1","schemas":["User"],"userName":"a@b.c","active":true,"externalId":null,"name":{"givenName":null}}`
	groupJSON := `{"id":"` + groupID + `","displayName":"Site Admin - Azure AD","members":[]}`
	listJSON := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[` + userJSON + `]}`
	tests := []struct {
		name      string
		status    int
		respBody  string
		call      func(ctx context.Context, c *Client) (any, error)
		method    string
		path      string
		query     string
		body      string // JSON, compared structurally; "" = no body
		wantNil   bool   // the call returns a nil resource
		checkResp func(t *testing.T, got any)
	}{
		{
			name: "list users", respBody: listJSON, method: "GET", path: "/api/scim/v2/Users",
			query: "count=50&filter=givenName%20sw%20%22O%5C%22Brien%22&startIndex=3",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListUsers(ctx, ListParams{StartIndex: 3, Count: 50, Filter: string(Sw("givenName", `O"Brien`))})
			},
			checkResp: func(t *testing.T, got any) {
				lr := got.(*ListResponse[User])
				if lr.TotalResults != 1 || len(lr.Resources) != 1 || lr.Resources[0].ID != "u1" {
					t.Fatalf("decoded %+v", lr)
				}
			},
		},
		{
			name: "list users defaults count", respBody: listJSON, method: "GET", path: "/api/scim/v2/Users",
			query: "count=1000&startIndex=1",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListUsers(ctx, ListParams{}) },
		},
		{
			name: "list groups", respBody: `{"totalResults":0,"Resources":null}`, method: "GET", path: "/api/scim/v2/Groups",
			query: "count=25&startIndex=1",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListGroups(ctx, ListParams{}) },
		},
		{
			name: "get user", respBody: userJSON, method: "GET", path: "/api/scim/v2/Users/u1",
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetUser(ctx, "u1") },
			checkResp: func(t *testing.T, got any) {
				if u := got.(*User); u.ID != "u1" || !u.Active || u.UserName != "a@b.c" {
					t.Fatalf("decoded %+v", u)
				}
			},
		},
		{
			name: "get user escapes the id", respBody: userJSON, method: "GET", path: "/api/scim/v2/Users/a%2Fb%20c",
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetUser(ctx, "a/b c") },
		},
		{
			name: "get group keeps the colon", respBody: groupJSON, method: "GET", path: "/api/scim/v2/Groups/" + groupID,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetGroup(ctx, groupID) },
		},
		{
			name: "create user sets URN schemas", status: 201, respBody: userJSON, method: "POST", path: "/api/scim/v2/Users",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@b.c","name":{"givenName":"A"},"active":false}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateUser(ctx, &User{UserName: "a@b.c", Name: Name{GivenName: "A"}, Meta: Meta{Created: "x"}})
			},
		},
		{
			name: "create user maps the documents' User schema", status: 201, respBody: userJSON, method: "POST", path: "/api/scim/v2/Users",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"a@b.c","name":{},"active":false,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateUser(ctx, &User{Schemas: []string{"User", SchemaEnterpriseUser}, UserName: "a@b.c", Enterprise: &EnterpriseUser{Department: "D"}})
			},
		},
		{
			name: "replace user", respBody: userJSON, method: "PUT", path: "/api/scim/v2/Users/u1",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"a@b.c","name":{},"active":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ReplaceUser(ctx, "u1", &User{UserName: "a@b.c", Active: true})
			},
		},
		{
			name: "patch user 200", respBody: userJSON, method: "PATCH", path: "/api/scim/v2/Users/u1",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Boss"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PatchUser(ctx, "u1", PatchOperation{Op: "replace", Path: "title", Value: "Boss"})
			},
		},
		{
			name: "set active false 204", status: 204, method: "PATCH", path: "/api/scim/v2/Users/u1", wantNil: true,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.SetActive(ctx, "u1", false) },
		},
		{
			name: "set active true 200", respBody: userJSON, method: "PATCH", path: "/api/scim/v2/Users/u1",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.SetActive(ctx, "u1", true) },
		},
		{
			name: "delete user", status: 204, method: "DELETE", path: "/api/scim/v2/Users/u1",
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteUser(ctx, "u1") },
		},
		{
			name: "patch group 204", status: 204, method: "PATCH", path: "/api/scim/v2/Groups/" + groupID, wantNil: true,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PatchGroup(ctx, groupID, AddMemberOp("u1"))
			},
		},
		{
			name: "patch group 200", respBody: groupJSON, method: "PATCH", path: "/api/scim/v2/Groups/" + groupID,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[{"value":"u1"}]}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PatchGroup(ctx, groupID, RemoveMemberOp("u1"))
			},
		},
		{
			name: "add member 204", status: 204, method: "PATCH", path: "/api/scim/v2/Groups/" + groupID,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"dd525596"}]}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.AddMember(ctx, groupID, "dd525596") },
		},
		{
			name: "add member 200 with body", respBody: groupJSON, method: "PATCH", path: "/api/scim/v2/Groups/" + groupID,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"dd525596"}]}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.AddMember(ctx, groupID, "dd525596") },
		},
		{
			name: "remove member 204", status: 204, method: "PATCH", path: "/api/scim/v2/Groups/" + groupID,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[{"value":"dd525596"}]}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RemoveMember(ctx, groupID, "dd525596")
			},
		},
		{
			name: "remove member 200 with body", respBody: groupJSON, method: "PATCH", path: "/api/scim/v2/Groups/" + groupID,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[{"value":"dd525596"}]}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RemoveMember(ctx, groupID, "dd525596")
			},
		},
		{
			name: "service provider config", respBody: `{"patch":{"supported":true}}`, method: "GET", path: "/api/scim/v2/ServiceProviderConfig",
			call: func(ctx context.Context, c *Client) (any, error) { return c.ServiceProviderConfig(ctx) },
			checkResp: func(t *testing.T, got any) {
				if string(got.(json.RawMessage)) != `{"patch":{"supported":true}}` {
					t.Fatalf("raw = %s", got)
				}
			},
		},
		{
			name: "schemas", respBody: `{"Resources":[]}`, method: "GET", path: "/api/scim/v2/Schemas",
			call: func(ctx context.Context, c *Client) (any, error) { return c.Schemas(ctx) },
		},
		{
			name: "resource types", respBody: `{"Resources":[]}`, method: "GET", path: "/api/scim/v2/ResourceTypes",
			call: func(ctx context.Context, c *Client) (any, error) { return c.ResourceTypes(ctx) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &recorder{status: tt.status, body: tt.respBody}
			c, _ := newTestClient(t, rc)
			got, err := tt.call(ctxT(t), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			r := rc.last(t)
			if rc.count() != 1 {
				t.Errorf("the server got %d requests, want 1", rc.count())
			}
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			if tt.query != "" && r.Query != tt.query {
				t.Errorf("query = %q, want %q", r.Query, tt.query)
			}
			if h := r.Header.Get("Authorization"); h != "Bearer "+testToken {
				t.Errorf("Authorization = %q", h)
			}
			if h := r.Header.Get("Accept"); h != "application/scim+json, application/json" {
				t.Errorf("Accept = %q", h)
			}
			if tt.body == "" {
				if len(r.Body) != 0 {
					t.Errorf("unexpected body %s", r.Body)
				}
			} else {
				if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				var gotBody, wantBody any
				if err := json.Unmarshal(r.Body, &gotBody); err != nil {
					t.Fatalf("body %s: %v", r.Body, err)
				}
				_ = json.Unmarshal([]byte(tt.body), &wantBody)
				if !reflect.DeepEqual(gotBody, wantBody) {
					t.Errorf("body\n got %s\nwant %s", r.Body, tt.body)
				}
			}
			if tt.wantNil && got != nil && !reflect.ValueOf(got).IsNil() {
				t.Errorf("want a nil resource on 204, got %+v", got)
			}
			if tt.checkResp != nil {
				tt.checkResp(t, got)
			}
		})
	}
}

func TestRefusesEmptyIDs(t *testing.T) {
	rc := &recorder{}
	c, _ := newTestClient(t, rc)
	ctx := ctxT(t)
	checks := []error{
		func() error { _, err := c.GetUser(ctx, ""); return err }(),
		func() error { _, err := c.GetGroup(ctx, " "); return err }(),
		c.DeleteUser(ctx, ""),
		c.AddMember(ctx, "", "u1"),
		c.RemoveMember(ctx, groupID, ""),
		func() error { _, err := c.ReplaceUser(ctx, "u1", &User{ID: "u2"}); return err }(),
		func() error { _, err := c.PatchUser(ctx, "u1"); return err }(),
	}
	for i, err := range checks {
		if err == nil {
			t.Errorf("check %d: want an error", i)
		}
	}
	if rc.count() != 0 {
		t.Fatalf("nothing should reach the server, got %d requests", rc.count())
	}
}

func TestDecodeTolerance(t *testing.T) {
	// The documents' shapes: nulls everywhere, "schemas":["User"], unknown fields.
	body := `{"id":"dd5","externalId":null,"meta":{"created":"2020-09-22T13:57:14.813+00:00","lastModified":null,"location":"https://trial.onetrust.com/api/scim/dd5"},
	"schemas":["User"],"userName":"x@y.z","name":{"familyName":"User","givenName":"Google"},"userType":"Internal","active":null,
	"groups":[{"value":"r:o","display":"Auditor - TestUser"}],"emails":null,"unknownThing":{"nested":[1,2,3]},
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"businessUnit":null,"manager":{"value":null,"displayName":null,"$ref":"x"},"jobTitle":null}}`
	c, _ := newTestClient(t, &recorder{body: body})
	u, err := c.GetUser(ctxT(t), "dd5")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "dd5" || u.Name.GivenName != "Google" || len(u.Groups) != 1 || u.Enterprise == nil || u.Enterprise.Manager.Ref != "x" {
		t.Fatalf("decoded %+v", u)
	}
	if ParseTime(u.Meta.Created).IsZero() {
		t.Fatalf("created did not parse: %q", u.Meta.Created)
	}
}

func TestNotJSONSuccessBody(t *testing.T) {
	c, _ := newTestClient(t, &recorder{body: "<html>captive portal</html>"})
	_, err := c.GetUser(ctxT(t), "u1")
	if err == nil || !strings.Contains(err.Error(), "not valid SCIM JSON") || !strings.Contains(err.Error(), "captive portal") {
		t.Fatalf("err = %v", err)
	}
}

func TestResponseBodyCap(t *testing.T) {
	big := `{"id":"u1","displayName":"` + strings.Repeat("x", 4096) + `"}`
	c, _ := newTestClient(t, &recorder{body: big}, func(o *Options) { o.MaxResponseBytes = 1024 })
	_, err := c.GetUser(ctxT(t), "u1")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func TestDefaultClientRefusesCrossHostRedirect(t *testing.T) {
	// The default HTTP client must not follow a redirect elsewhere.
	c, err := New(Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := http.NewRequest("GET", "https://acme.onetrust.com/api/scim/v2/Users", nil)
	other, _ := http.NewRequest("GET", "https://evil.example.com/steal", nil)
	down, _ := http.NewRequest("GET", "http://acme.onetrust.com/api/scim/v2/Users", nil)
	same, _ := http.NewRequest("GET", "https://acme.onetrust.com/api/scim/v2/Users/", nil)
	if c.hc.CheckRedirect(other, []*http.Request{first}) == nil {
		t.Error("followed a redirect to another host")
	}
	if c.hc.CheckRedirect(down, []*http.Request{first}) == nil {
		t.Error("followed a redirect down to http")
	}
	if err := c.hc.CheckRedirect(same, []*http.Request{first}); err != nil {
		t.Errorf("refused a same-host redirect: %v", err)
	}
	post, _ := http.NewRequest("POST", "https://acme.onetrust.com/api/scim/v2/Users", nil)
	if c.hc.CheckRedirect(same, []*http.Request{post}) == nil {
		t.Error("followed a redirect of a POST")
	}
}
