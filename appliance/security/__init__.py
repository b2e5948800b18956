"""Blocking attackers: failed logins counted from Asterisk's security events, bans enforced by the kernel.

``events`` turns AMI events into failures, ``tally`` decides when failures earn a block,
``firewall`` owns the nftables table, ``guard`` (in the daemon) ties them to the ban rows
that ``appliance.services.bans`` writes. docs/decisions/009-blocking-attackers.md says why.
"""
