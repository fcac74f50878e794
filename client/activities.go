package client

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// Activity is one record of OneTrust's per-user audit trail
// (GET /api/audit/v1/users/{userId}/activities, scope USER): a change to
// the user's details, roles or organizations, who made it and how
// (Method: "User Provisioning" for SCIM, "User Management" in the UI).
type Activity struct {
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Event     string     `json:"event"`
	FieldName string     `json:"fieldName"`
	OldValue  string     `json:"oldValue"`
	NewValue  string     `json:"newValue"`
	Method    string     `json:"method"`
	UpdatedBy string     `json:"updatedBy"`
	Date      AccessTime `json:"date"`
}

// UserActivities reads a user's whole audit trail, as the server orders
// it (newest first in the fake; the spec does not say).
func (c *Client) UserActivities(ctx context.Context, userID string, o AccessWalk) ([]Activity, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, errors.New("empty user id")
	}
	q := url.Values{"includeChildObjects": {"false"}}
	path := "/api/audit/v1/users/" + url.PathEscape(userID) + "/activities"
	// Records have no id: one is told from another by all it says.
	return walkAccess(ctx, c, path, "the user's activities", q, o, func(a *Activity) string {
		return strings.Join([]string{a.Date.Raw, a.Event, a.FieldName, a.OldValue, a.NewValue, a.Method, a.UpdatedBy}, "\x00")
	})
}
