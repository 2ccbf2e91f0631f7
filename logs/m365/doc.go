// Package m365 parses Microsoft 365 unified audit log sign-in records (Management Activity
// API, Audit.AzureActiveDirectory: UserLoggedIn and UserLoginFailed). It registers the
// "m365" format.
package m365
