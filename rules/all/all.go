// Package all imports every borderwatch rule so that it registers itself. Import it for its
// side effects: import _ "github.com/borderwatch/borderwatch/rules/all".
package all

import (
	_ "github.com/borderwatch/borderwatch/rules/watchedcountry" // watched_country
)
