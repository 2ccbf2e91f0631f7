// Package vpnprotocol is the vpn_protocol rule: WireGuard, OpenVPN, IKE/IPsec or Astrill
// sessions leaving the network from an internal host that is not a sanctioned VPN client.
package vpnprotocol
