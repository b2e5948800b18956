"""Tests against a real Asterisk (engine root in a chroot) driven by SIPp."""
