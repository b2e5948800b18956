#!version:1.0.0.1
include:config "y000000000096.cfg"
include:config "805ec0a1b2c3.cfg"
overwrite_mode = 1
