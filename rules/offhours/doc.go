// Package offhours is the off_hours rule: a user's logins concentrated outside the working day
// of the timezone they claim (roster) or log in from, judged against a 168-slot hour-of-week
// profile of what is normal for that user.
package offhours
