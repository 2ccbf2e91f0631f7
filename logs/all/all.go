package all

import (
	_ "github.com/borderwatch/borderwatch/logs/asa"           // Cisco ASA / AnyConnect syslog
	_ "github.com/borderwatch/borderwatch/logs/cloudtrail"    // AWS CloudTrail console sign-ins
	_ "github.com/borderwatch/borderwatch/logs/duo"           // Cisco Duo authentication logs
	_ "github.com/borderwatch/borderwatch/logs/entra"         // Microsoft Entra ID sign-ins
	_ "github.com/borderwatch/borderwatch/logs/fortigate"     // FortiGate SSL-VPN, IPsec, logins, Proxy apps
	_ "github.com/borderwatch/borderwatch/logs/generic"       // JSON lines / CSV with a configured mapping
	_ "github.com/borderwatch/borderwatch/logs/globalprotect" // Palo Alto GlobalProtect
	_ "github.com/borderwatch/borderwatch/logs/gworkspace"    // Google Workspace login audit
	_ "github.com/borderwatch/borderwatch/logs/m365"          // Microsoft 365 audit sign-ins
	_ "github.com/borderwatch/borderwatch/logs/okta"          // Okta System Log
	_ "github.com/borderwatch/borderwatch/logs/openssh"       // OpenSSH sshd
	_ "github.com/borderwatch/borderwatch/logs/openvpn"       // OpenVPN log lines and status files
	_ "github.com/borderwatch/borderwatch/logs/pulse"         // Ivanti / Pulse Connect Secure
)
