// Command otaccess is a terminal access browser for OneTrust tenants (SCIM 2.0).
package main
