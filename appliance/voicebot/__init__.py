"""The offline VoiceBot: intents matched from what a caller says (pure parts), a recogniser, and the server.

``matching`` scores a phrase against a bot's intents (the page's test console and the server
use the same code); ``asr`` turns 16 kHz signed linear audio into words offline (pocketsphinx for
English with a language model built from the intents; a Vosk model the admin installs for other
languages); ``speech`` finds where speech starts and ends; ``recognition`` is one turn's hearing and
matching (the live bot and the console's uploaded clips share it); ``server`` is the AudioSocket
server run as its own supervised process (``centralina voicebot``).
"""
