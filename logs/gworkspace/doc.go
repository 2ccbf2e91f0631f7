// Package gworkspace parses Google Workspace login audit activities (Admin SDK Reports API,
// applicationName "login"): single activities per line and activities.list pages. Each entry
// of an activity's events[] becomes one event. It registers the "gworkspace" format.
package gworkspace
