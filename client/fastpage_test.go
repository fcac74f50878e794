package client

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	jsonv2 "github.com/go-json-experiment/json"
)

// A Users V2 item as OneTrust's reference shows one, and as the fake
// tenant writes them (encoding/json escapes '&' in "Research & Development").
const fastUserSeed = `{"userId":"u-1","firstName":"Ann","lastName":"O'Neil","fullName":"Ann O'Neil","email":"ann@example.com","emailConfirmed":true,"active":true,"internal":true,"externalId":null,"expirationDateTime":"2027-01-01T00:00:00Z","disabledDateTime":null,"disabledBy":null,"createdDate":"2020-09-22T13:57:14.813","lastModifiedDate":"2024-01-02T03:04:05.000","lastLoginDate":"2026-11-20T08:14:00.000Z","defaultOrganizationId":"o-1","defaultOrganizationName":"Research \u0026 Development","accessLevels":[{"roleId":"r-1","roleName":"Site Admin","organizationId":"o-1","organizationName":"Research \u0026 Development"},{"roleId":"r-2","roleName":"Auditor","organizationId":"o-2","organizationName":"Société Générale"}]}`

const fastEnvelope = `"empty":false,"first":true,"last":false,"number":0,"numberOfElements":2,"size":2,"totalElements":7,"totalPages":4,"sort":{"empty":true,"sorted":false,"unsorted":true},"pageable":{"offset":0,"pageNumber":0,"pageSize":2,"paged":true,"unpaged":false,"sort":{"empty":true,"sorted":false,"unsorted":true}}`

func fastPageOf(items ...string) string {
	return `{"content":[` + strings.Join(items, ",") + `],` + fastEnvelope + `}`
}

// fastPageSeeds are pages the reader must read as jsonv2 does, or leave
// to it.
var fastPageSeeds = []string{
	fastPageOf(fastUserSeed, `{"userId":"u-2","accessLevels":[]}`),
	fastPageOf(`null`, `{}`, `{"userId":null,"accessLevels":null,"lastLoginDate":null}`),
	fastPageOf(`{"userId":"u-3","lastLoginDate":1732090440000,"expirationDateTime":"2027-01-01","disabledDateTime":"yesterday"}`),
	fastPageOf(`{"USERID":"a","user_id":"b","User-Id":"c","LASTLOGINDATE":"2026-11-20 08:14:00"}`),
	fastPageOf(`{"userId":"a","userId":"b","accessLevels":[{"roleId":"x"}],"accessLevels":[{"organizationId":"y"}]}`),
	fastPageOf(`{"userId":"a","extra":{"deep":[1,-2.5e+3,null,true,false,"x\"\\\/\b\f\n\r\t\u00e9",{"k":[]},[]]}}`),
	fastPageOf(`{"userId":"\u00e9\ud83d\ude00"}`, `{"userId":"\ud800"}`, `{"userId":"bad `+"\xff"+` byte"}`),
	fastPageOf(`{"ſserId":"a","userıd":"b","\u0075serId":"c"}`),
	fastPageOf(`{"userId":1}`), fastPageOf(`{"userId":true}`), fastPageOf(`{"accessLevels":{}}`), fastPageOf(`{"accessLevels":[1]}`),
	fastPageOf(`{"lastLoginDate":true}`), fastPageOf(`{"lastLoginDate":{"a":1}}`), fastPageOf(`{"lastLoginDate":"\u0032026-01-01"}`),
	`{"content":[],"totalElements":-0,"number":1.0,"size":1e2,"totalPages":9223372036854775808}`,
	`{"content":[],"empty":null,"number":null,"totalElements":"7"}`,
	`{"CONTENT":[{"userId":"a"}],"content":[{"userId":"b"}]}`, `{"content":null}`, `{"content":{}}`, `{"content":[}`,
	`{}`, ` {} `, `{} x`, `null`, `[]`, `"x"`, ``, `{"content":[{"userId":"a"}`, `{"content":[{"userId":"a"},]}`,
	`{"content":[{"userId":"a",}]}`, `{"content":[{"userId" "a"}]}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":tru}`, `{"a":nul}`,
	`{"a":"` + "\t" + `"}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	"\ufeff{}", `{"content":[{"memberId":"m-1","fullName":"x","enabled":true},{"memberId":"m-2"}],"last":true}`,
	`{"content":[{"memberId":null},{"MEMBER_ID":"m"},{"memberId":"a","memberId":"b"}]}`, `{"content":[{"memberId":2}]}`,
}

// checkFastPage decodes data with decodePage and with jsonv2.Unmarshal and
// fails unless both accept it or both refuse it, with the same values.
func checkFastPage[T any](t *testing.T, data []byte) {
	t.Helper()
	var want, got AccessPage[T]
	errWant, errGot := jsonv2.Unmarshal(data, &want, pageOptions), got.decodePage(data)
	if (errWant == nil) != (errGot == nil) {
		t.Fatalf("%q: jsonv2.Unmarshal says %v, decodePage %v", data, errWant, errGot)
	}
	if errWant == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("%q:\nUnmarshal  %+v\ndecodePage %+v", data, want, got)
	}
	// The same from a page whose content has room already (as accessPage
	// makes them), holding an earlier page's items.
	prev := AccessPage[T]{Content: make([]T, 1, 4)}
	_ = jsonv2.Unmarshal([]byte(`{"content":[`+fastUserSeed+`]}`), &prev, pageOptions)
	want2 := AccessPage[T]{Content: prev.Content[:0:4]}
	got2 := AccessPage[T]{Content: append([]T(nil), prev.Content...)[:0:1]}
	if (jsonv2.Unmarshal(data, &want2, pageOptions) == nil) != (got2.decodePage(data) == nil) {
		t.Fatalf("%q: into a used page, acceptance differs", data)
	}
}

// FuzzAccessPageFast: the hand-written reader of Users V2 and member pages
// gives exactly what jsonv2.Unmarshal with pageOptions gives (the same
// pages accepted, the same values) on any input.
func FuzzAccessPageFast(f *testing.F) {
	for _, s := range fastPageSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastPage[UserLogin](t, data)
		checkFastPage[memberID](t, data)
	})
}

// TestAccessPageFastSeeds runs the fuzz seeds as a plain test, and checks
// that the odd but valid pages servers send (nulls, missing fields, dates
// in other spellings or unreadable, escapes, names in other cases or with
// '_', unknown nested values) are read by the fast reader itself, not left
// to jsonv2.
func TestAccessPageFastSeeds(t *testing.T) {
	for _, s := range fastPageSeeds {
		checkFastPage[UserLogin](t, []byte(s))
		checkFastPage[memberID](t, []byte(s))
	}
	for i, s := range fastPageSeeds[:6] {
		var p AccessPage[UserLogin]
		if !decodeAccessPageFast(&p, []byte(s), (*scanner).userLogin) {
			t.Errorf("seed %d: left to jsonv2: %s", i, s)
		}
	}
	var p AccessPage[UserLogin]
	if !decodeAccessPageFast(&p, []byte(fastPageSeeds[0]), (*scanner).userLogin) {
		t.Fatal("left to jsonv2")
	}
	u := p.Content[0]
	if u.UserID != "u-1" || u.LastLoginDate.Time.Format("2006-01-02T15:04") != "2026-11-20T08:14" || !u.DisabledDateTime.Time.IsZero() ||
		len(u.AccessLevels) != 2 || u.AccessLevels[0].OrganizationName != "Research & Development" || u.AccessLevels[1].OrganizationName != "Société Générale" {
		t.Fatalf("%+v", u)
	}
	if p.TotalElements != 7 || p.TotalPages != 4 || p.Last || !p.First || p.NumberOfElements != 2 {
		t.Fatalf("envelope %+v", p)
	}
	var q AccessPage[UserLogin]
	if !decodeAccessPageFast(&q, []byte(fastPageSeeds[2]), (*scanner).userLogin) {
		t.Fatal("left to jsonv2")
	}
	if d := q.Content[0]; d.LastLoginDate.Bad || d.LastLoginDate.Time.Year() != 2024 || d.ExpirationDateTime.Bad || !d.DisabledDateTime.Bad || d.DisabledDateTime.Raw != "yesterday" {
		t.Fatalf("dates %+v", d)
	}
}

// TestAccessPageFastInterns: a page's access levels share one string per
// distinct role and organization id and name.
func TestAccessPageFastInterns(t *testing.T) {
	var p AccessPage[UserLogin]
	if !decodeAccessPageFast(&p, []byte(fastPageOf(fastUserSeed, fastUserSeed)), (*scanner).userLogin) {
		t.Fatal("left to jsonv2")
	}
	a, b := p.Content[0].AccessLevels[0], p.Content[1].AccessLevels[0]
	if a != b || !sameString(a.RoleName, b.RoleName) || !sameString(a.OrganizationName, b.OrganizationName) {
		t.Fatalf("%+v and %+v do not share their strings", a, b)
	}
}

// sameString reports whether a and b are one string in memory.
func sameString(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
