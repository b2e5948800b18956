#!version:1.0.0.1
{# The first line must stay exactly as it is (Yealink admin guide, "Boot File Attributes"). Paths are relative to
   this file's URL, so they keep the device token. overwrite_mode = 1: a key we stop sending goes back to its
   factory value instead of lingering (a removed BLF key disappears). #}
include:config "{{ common_file }}"
include:config "{{ mac_file }}"
overwrite_mode = 1
