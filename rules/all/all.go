// Package all imports every borderwatch rule so that it registers itself. Import it for its
// side effects: import _ "github.com/borderwatch/borderwatch/rules/all".
package all

import (
	_ "github.com/borderwatch/borderwatch/rules/anonymizer"       // anonymizer_login
	_ "github.com/borderwatch/borderwatch/rules/claimedlocation"  // claimed_location
	_ "github.com/borderwatch/borderwatch/rules/egressvolume"     // egress_volume
	_ "github.com/borderwatch/borderwatch/rules/impossibletravel" // impossible_travel
	_ "github.com/borderwatch/borderwatch/rules/longsession"      // long_session
	_ "github.com/borderwatch/borderwatch/rules/newcountry"       // new_country
	_ "github.com/borderwatch/borderwatch/rules/offhours"         // off_hours
	_ "github.com/borderwatch/borderwatch/rules/remoteaccess"     // remote_access_tool
	_ "github.com/borderwatch/borderwatch/rules/sharedsource"     // shared_source
	_ "github.com/borderwatch/borderwatch/rules/vpnprotocol"      // vpn_protocol
	_ "github.com/borderwatch/borderwatch/rules/watchedcountry"   // watched_country
)
