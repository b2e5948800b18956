"""The telephony engine: where Asterisk lives, its compiled config, and the AMI adapter."""
