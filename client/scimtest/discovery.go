package scimtest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/otaccess/otaccess/client"
)

const (
	schemaSPC          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

type obj = map[string]any

func attrDef(name, typ string, multi, required bool, mutability string, subs ...obj) obj {
	a := obj{
		"name": name, "type": typ, "multiValued": multi, "required": required,
		"caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": "none",
	}
	if name == "userName" {
		a["uniqueness"] = "server"
	}
	if len(subs) > 0 {
		a["subAttributes"] = subs
	}
	return a
}

func (s *Server) schemaDocs(root string) []obj {
	rw := "readWrite"
	str := func(n string) obj { return attrDef(n, "string", false, false, rw) }
	return []obj{
		{
			"schemas": []string{schemaSchema}, "id": client.SchemaUser, "name": "User", "description": "User Account",
			"attributes": []obj{
				attrDef("userName", "string", false, true, rw),
				attrDef("name", "complex", false, false, rw, str("givenName"), str("familyName"), str("formatted")),
				str("displayName"), str("title"), str("userType"), str("externalId"),
				attrDef("active", "boolean", false, false, rw),
				attrDef("emails", "complex", true, false, rw, str("value"), str("type"), str("display"), attrDef("primary", "boolean", false, false, rw)),
				attrDef("groups", "complex", true, false, "readOnly", str("value"), str("display"), str("$ref")),
			},
			"meta": obj{"resourceType": "Schema", "location": root + s.base + "/Schemas/" + client.SchemaUser},
		},
		{
			"schemas": []string{schemaSchema}, "id": client.SchemaEnterpriseUser, "name": "EnterpriseUser", "description": "Enterprise User",
			"attributes": []obj{
				str("employeeId"), str("department"), str("division"), str("businessUnit"), str("officeLocation"), str("jobTitle"),
				attrDef("manager", "complex", false, false, rw, str("value"), str("displayName"), str("$ref")),
			},
			"meta": obj{"resourceType": "Schema", "location": root + s.base + "/Schemas/" + client.SchemaEnterpriseUser},
		},
		{
			"schemas": []string{schemaSchema}, "id": client.SchemaGroup, "name": "Group", "description": "Group: one role in one organization",
			"attributes": []obj{
				attrDef("displayName", "string", false, true, "readOnly"),
				attrDef("members", "complex", true, false, rw, str("value"), str("type"), str("$ref")),
			},
			"meta": obj{"resourceType": "Schema", "location": root + s.base + "/Schemas/" + client.SchemaGroup},
		},
		{
			"schemas": []string{schemaSchema}, "id": client.SchemaOneTrustGroup, "name": "OneTrustGroup", "description": "OneTrust group extension",
			"attributes": []obj{attrDef("category", "string", false, false, "readOnly"), attrDef("description", "string", false, false, "readOnly")},
			"meta":       obj{"resourceType": "Schema", "location": root + s.base + "/Schemas/" + client.SchemaOneTrustGroup},
		},
	}
}

func (s *Server) resourceTypeDocs(root string) []obj {
	return []obj{
		{
			"schemas": []string{schemaResourceType}, "id": "User", "name": "User", "endpoint": "/Users",
			"description": "User Account", "schema": client.SchemaUser,
			"schemaExtensions": []obj{{"schema": client.SchemaEnterpriseUser, "required": false}},
			"meta":             obj{"resourceType": "ResourceType", "location": root + s.base + "/ResourceTypes/User"},
		},
		{
			"schemas": []string{schemaResourceType}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"description": "Role x Organization", "schema": client.SchemaGroup,
			"schemaExtensions": []obj{{"schema": client.SchemaOneTrustGroup, "required": false}},
			"meta":             obj{"resourceType": "ResourceType", "location": root + s.base + "/ResourceTypes/Group"},
		},
	}
}

func (s *Server) serveDiscovery(w http.ResponseWriter, c *call, seg, rest string) {
	list := func(items []obj) {
		writeJSON(w, http.StatusOK, obj{
			"schemas": []string{client.SchemaListResponse}, "totalResults": len(items),
			"startIndex": 1, "itemsPerPage": len(items), "Resources": items,
		})
	}
	one := func(items []obj, key string) {
		for _, it := range items {
			if strings.EqualFold(fmt.Sprint(it["id"]), rest) || strings.EqualFold(fmt.Sprint(it[key]), rest) {
				writeJSON(w, http.StatusOK, it)
				return
			}
		}
		writeError(w, http.StatusNotFound, "", fmt.Sprintf("%s %q not found", strings.TrimSuffix(seg, "s"), rest))
	}
	switch seg {
	case "ServiceProviderConfig":
		if rest != "" {
			notFound(w, c)
			return
		}
		writeJSON(w, http.StatusOK, obj{
			"schemas":          []string{schemaSPC},
			"documentationUri": "https://developer.onetrust.com/onetrust/reference",
			"patch":            obj{"supported": true},
			"bulk":             obj{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
			"filter":           obj{"supported": true, "maxResults": s.cfg.UserPageCap},
			"changePassword":   obj{"supported": false},
			"sort":             obj{"supported": false},
			"etag":             obj{"supported": false},
			"authenticationSchemes": []obj{{
				"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
				"description": "Authentication with an API key sent as a bearer token",
			}},
			"meta": obj{"resourceType": "ServiceProviderConfig", "location": c.root + s.base + "/ServiceProviderConfig"},
		})
	case "Schemas":
		if rest == "" {
			list(s.schemaDocs(c.root))
			return
		}
		one(s.schemaDocs(c.root), "name")
	case "ResourceTypes":
		if rest == "" {
			list(s.resourceTypeDocs(c.root))
			return
		}
		one(s.resourceTypeDocs(c.root), "name")
	}
}
