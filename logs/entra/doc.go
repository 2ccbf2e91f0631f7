// Package entra parses Microsoft Entra ID (Azure AD) sign-in logs: Azure Monitor diagnostic
// records (Event Hub messages and storage exports, {"records":[...]}) and the Microsoft Graph
// signIns shape (single objects and {"value":[...]} pages). It registers the "entra" format.
package entra
